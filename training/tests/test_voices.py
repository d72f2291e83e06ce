"""data.voices and the utterance sources of data.speech, on synthetic files (no data packages)."""

import io
import json
import os
import struct
import zipfile

import numpy as np
import pytest
import soundfile as sf

from unweave_train.data import corpus, extra_speakers, speech, voices
from unweave_train.data.speech import Utterance


def _tone(n, sr, f=440.0, amp=0.5):
    t = np.arange(n) / sr
    return (amp * np.sin(2 * np.pi * f * t)).astype(np.float32)


def _wav_bytes(x, sr):
    b = io.BytesIO()
    sf.write(b, x, sr, format="WAV", subtype="PCM_16")
    return b.getvalue()


# ------------------------------------------------------------------------------------ ALS

def test_als_decoder_reads_unsigned_8bit_between_header_and_trailer(tmp_path):
    rng = np.random.default_rng(0)
    samples = np.clip(np.round(128 + 100 * np.sin(np.arange(3000) / 7.0)), 0, 255).astype(np.uint8)
    p = tmp_path / "VB12.ALS"
    p.write_bytes(rng.integers(0, 256, 32, dtype=np.uint8).tobytes() + samples.tobytes()
                  + rng.integers(0, 256, 32, dtype=np.uint8).tobytes())
    u = voices.als_utterance(str(p))
    x, fs = speech.decode(u)
    assert fs == 11025 and x.shape == (3000, 1)
    np.testing.assert_array_equal(x[:, 0], (samples.astype(np.float32) - 128) / 128)
    tiny = tmp_path / "1.ALS"
    tiny.write_bytes(b"\x80" * 64)
    with pytest.raises(ValueError):
        voices.als_utterance(str(tiny))


def test_drascula_file_names_give_the_character():
    c = voices.drascula_character
    assert c("123.ALS") == "hero" and c("VB7.ALS") == "vonbraun" and c("BJ3.ALS") == "bj"
    assert c("I10.ALS") == "igor" and c("D12.ALS") == "drascula" and c("D70.ALS") == "blind"
    assert c("S4.ALS") is None        # sound effects
    assert c("D60.ALS") is None       # hero lines filed under D: no certain speaker
    assert c("AUX1.ALS") is None and c("1.ALG") is None


# ------------------------------------------------------------------------------ queen.1c

def _queen_archive(entries, version=b"CEM10\0\0\0", compression=1):
    """A queen.1c-like archive: header, table, then the entries' data in order."""
    head = b"QTBL" + version + bytes([compression]) + struct.pack(">H", len(entries))
    start = len(head) + 21 * len(entries)
    table, blob = b"", b""
    for name, data in entries:
        table += name.encode().ljust(12, b"\0") + b"\x01" + struct.pack(">II", start + len(blob), len(data))
        blob += data
    return head + table + blob


def _dog(talk_key):
    return b"AmBk" + b"\0" * 8 + b"Datas   " + struct.pack(">hhh", 3, 7, talk_key) + b"\0" * 20


def test_queen_table_parser_and_speakers(tmp_path):
    wav = _wav_bytes(_tone(4000, 11025), 11025)
    arc = _queen_archive([("FAYE2.DOG", _dog(18)), ("BOB1.DOG", _dog(6)), ("180012P1.SB", wav),
                          ("060003J1.SB", wav), ("JOE00841.SB", wav), ("C41B_742.SB", wav),
                          ("99000AP1.SB", wav)])
    p = tmp_path / "queen.1c"
    p.write_bytes(arc)
    compression, entries = voices.read_queen_table(str(p))
    assert compression == 1 and [e.name for e in entries][:3] == ["FAYE2.DOG", "BOB1.DOG", "180012P1.SB"]
    e = entries[2]
    assert arc[e.offset:e.offset + e.size] == wav
    keys = voices.queen_talk_keys(str(p), entries)
    assert keys == {18: "FAYE", 6: "BOB"}
    who = {e.name: voices.queen_speaker(e.name, keys) for e in entries if e.name.endswith(".SB")}
    assert who == {"180012P1.SB": "FAYE", "060003J1.SB": "JOE", "JOE00841.SB": "JOE",
                   "C41B_742.SB": None, "99000AP1.SB": None}
    # an entry is a byte range of the archive, decoded like a file
    x, fs = speech.decode(Utterance(str(p), offset=e.offset, size=e.size))
    assert fs == 11025 and x.shape[0] == 4000


def test_queen_table_rejects_corrupt_archives():
    good = _queen_archive([("A.SB", b"x" * 10)])
    with pytest.raises(ValueError):
        voices.queen_table(b"QTBX" + good[4:], len(good))            # magic
    with pytest.raises(ValueError):
        voices.queen_table(good[:20], len(good))                     # truncated table
    bad = bytearray(good)
    bad[15 + 13:15 + 17] = struct.pack(">I", len(good) + 5)          # offset past the end
    with pytest.raises(ValueError):
        voices.queen_table(bytes(bad), len(bad))
    with pytest.raises(ValueError):
        voices.queen_table(_queen_archive([("A.SB", b"x")], compression=9), 40)


# ------------------------------------------------------------------- zip members, raw PCM

def test_zip_member_and_raw_pcm_decode(tmp_path):
    x = _tone(2205, 22050, 300.0)
    z = tmp_path / "base.wz"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("audio/taunts/taunt1/a1.wav", _wav_bytes(x, 22050))
    y, fs = speech.decode(Utterance(str(z), member="audio/taunts/taunt1/a1.wav"))
    assert fs == 22050
    np.testing.assert_allclose(y[:, 0], x, atol=1 / 32768 + 1e-6)
    raw = tmp_path / "a.raw"
    raw.write_bytes((x * 32767).astype("<i2").tobytes())
    y, fs = speech.decode(Utterance(str(raw), codec="s16le", rate=8000))
    assert fs == 8000 and np.max(np.abs(y[:, 0] - x)) < 1e-4
    with pytest.raises(ValueError):
        speech.decode(Utterance(str(raw), codec="mulaw", rate=8000))
    with pytest.raises(KeyError):
        speech.decode(Utterance(str(z), member="nope.wav"))


def test_decoded_audio_checks():
    speech.check_decoded(np.full((100, 1), 0.5, np.float32))
    speech.check_decoded(np.concatenate([np.ones((15, 1)), np.zeros((85, 1))]).astype(np.float32))
    speech.check_decoded(np.full((100, 1), 2.2, np.float32))
    for bad in (np.full((100, 1), 5.0, np.float32), np.array([[np.nan]] * 10, np.float32),
                np.zeros((0, 1), np.float32)):
        with pytest.raises(ValueError):
            speech.check_decoded(bad)


def test_build_stream_from_utterances_writes_the_metadata(tmp_path):
    rng = np.random.default_rng(1)
    z = tmp_path / "v.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for i in range(3):
            noise = 0.3 * rng.standard_normal(8000).astype(np.float32)
            zf.writestr(f"sound/player/x/{i}.wav", _wav_bytes(noise, 8000))
    raw = tmp_path / "1.ALS"
    u8 = (128 + 60 * rng.standard_normal(11025)).clip(0, 255).astype(np.uint8)
    raw.write_bytes(b"\x80" * 32 + u8.tobytes() + b"\x80" * 32)
    utts = [Utterance(str(z), member=f"sound/player/x/{i}.wav") for i in range(3)]
    utts.append(voices.als_utterance(str(raw)))
    out = tmp_path / "speech"
    path = speech.build_stream("nexuiz:x", utts, str(out), meta={"package": "nexuiz-data", "language": "en"})
    with open(path[:-4] + ".json") as f:
        m = json.load(f)
    assert m["kind"] == "real" and m["split"] == "train" and m["package"] == "nexuiz-data"
    assert m["language"] == "en" and m["utterances"] == 4 and m["native_rate"] == 8000
    assert m["native_rates"] == {"8000": 3, "11025": 1}
    assert 3000 < m["bandwidth_hz"] <= 4000.0           # white noise, capped at 8 kHz's Nyquist
    tails = sorted(f.rsplit("/", 1)[-1] for f in m["files"])
    assert tails == ["0.wav", "1.ALS@32+11025", "1.wav", "2.wav"]
    mtime = os.path.getmtime(path)
    speech.build_stream("nexuiz:x", utts, str(out), meta={"package": "nexuiz-data", "language": "fr"})
    assert os.path.getmtime(path) == mtime              # the stream is kept ...
    with open(path[:-4] + ".json") as f:
        assert json.load(f)["language"] == "fr"         # ... its metadata refreshed


# ------------------------------------------------------------------------------ bandwidth

def _band_noise(cut_hz, sr=16000, seconds=4.0, seed=0):
    n = int(sr * seconds)
    spec = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    spec[np.fft.rfftfreq(n, 1 / sr) > cut_hz] = 0
    return (0.1 * np.fft.irfft(spec, n)).astype(np.float32)


@pytest.mark.parametrize("cut", [1500.0, 3000.0, 5500.0])
def test_bandwidth_of_band_limited_noise(cut):
    x = _band_noise(cut)
    assert abs(speech.effective_bandwidth(x, 16000) - cut) < 100
    assert abs(speech.energy_bandwidth(x, 16000) - 0.995 * cut) < 100


def test_bandwidth_is_capped_at_the_native_nyquist_and_ignores_silence():
    x = _band_noise(8000.0)
    assert speech.effective_bandwidth(x, 16000) > 7800
    assert speech.effective_bandwidth(x, 16000, native_rate=11025) == 11025 / 2
    gated = np.concatenate([np.zeros(32000, np.float32), _band_noise(2000.0), np.zeros(32000, np.float32)])
    assert abs(speech.effective_bandwidth(gated, 16000) - 2000) < 100
    assert speech.effective_bandwidth(np.zeros(16000, np.float32), 16000) == 0.0


# ----------------------------------------------------------------------------- splits

def test_speech_split_by_package():
    for prefix, pkg in corpus.SPEAKER_PACKAGES.items():
        split = corpus.speech_split(f"{prefix}:someone")
        if pkg in corpus.SPEECH_TEST_PACKAGES:
            assert split == "test"
        elif pkg in corpus.SPEECH_VAL_PACKAGES:
            assert split == "val"
        else:
            assert split == "train"
    assert corpus.speech_split("nl:m") == "test" and corpus.speech_split("asterisk-it:menardi") == "test"
    assert corpus.speech_split("drascula-it:hero") == "test"
    assert corpus.speech_split("drascula-es:hero") == "val" and corpus.speech_split("tux:el") == "val"
    assert corpus.speech_split("drascula-en:hero") == "train" and corpus.speech_split("tux:fr") == "train"
    with pytest.raises(ValueError):
        corpus.speech_split("nobody:x")


def test_every_voice_package_has_a_reader_and_prefix_and_no_reserved_package():
    prefixed = set(corpus.SPEAKER_PACKAGES.values())
    for pkg in corpus.VOICE_PACKAGES:
        assert pkg in voices.READERS and pkg in prefixed
        assert not pkg.startswith(("asterisk-core-sounds", "asterisk-extra-sounds", "freepats"))
    assert set(corpus.SPEECH_TEST_PACKAGES).isdisjoint(corpus.SPEECH_VAL_PACKAGES)


def test_dedupe_drops_recordings_shared_across_splits_and_repeats(tmp_path):
    a, b, c = tmp_path / "a.wav", tmp_path / "b.wav", tmp_path / "c.wav"
    a.write_bytes(b"same")
    b.write_bytes(b"same")
    c.write_bytes(b"other")
    d = tmp_path / "d.wav"
    d.write_bytes(b"other")
    vs = [voices.Voice("drascula-en:hero", "en", [str(a), str(c)]),
          voices.Voice("drascula-es:hero", "es", [str(b)]),
          voices.Voice("hedgewars:classic", None, [str(d)])]
    out = voices.dedupe(vs)
    assert [v.speaker for v in out] == ["drascula-en:hero"]   # es lost its only, shared, file
    assert out[0].utterances == [str(c)]                       # a (also in val) dropped; c kept first


def test_als_copies_with_other_trailers_are_one_recording(tmp_path):
    body = (128 + 50 * np.sin(np.arange(6000) / 5.0)).astype(np.uint8).tobytes()
    p, q = tmp_path / "en.ALS", tmp_path / "es.ALS"
    p.write_bytes(b"\x80" * 500 + body + b"\x80" * 64)
    q.write_bytes(b"\x80" * 500 + body + b"\x80" * 77)
    assert voices._digest(voices.als_utterance(str(p))) == voices._digest(voices.als_utterance(str(q)))


# --------------------------------------------------------------------- extra speakers

def test_extra_speakers_count_real_streams_with_or_without_kind(tmp_path):
    d = tmp_path / "speech"
    d.mkdir()
    for name, meta in (("a", {"kind": "real"}), ("b", {}), ("c", {"kind": "speed"}),
                       ("d", {"kind": "espeak"}), ("e", {"kind": "real", "split": "val"})):
        m = {"speaker": "x:" + name, "split": "train", "seconds": 10.0, **meta}
        np.save(d / f"{name}.npy", np.zeros(10, np.float16))
        (d / f"{name}.json").write_text(json.dumps(m))
    assert sorted(extra_speakers.real_train_speakers(str(d))) == ["x:a", "x:b"]


# -------------------------------------------------------------------- RNC ProPack method 1

class _RncWriter:
    """A tiny RNC method-1 packer for the tests (written from the format description): bits go
    least-significant first into 16-bit little-endian words, a word being placed in the stream
    when its first bit is written; literal bytes go to the stream as they come."""

    def __init__(self):
        self.out = bytearray()
        self.word_at, self.nbits = None, 16

    def bit(self, b):
        if self.nbits == 16:
            self.word_at, self.nbits = len(self.out), 0
            self.out += b"\0\0"
        if b:
            w = self.out[self.word_at] | self.out[self.word_at + 1] << 8 | 1 << self.nbits
            self.out[self.word_at:self.word_at + 2] = bytes([w & 0xFF, w >> 8])
        self.nbits += 1

    def bits(self, v, n):
        for i in range(n):
            self.bit(v >> i & 1)

    def table(self):
        # 16 symbols of code length 4: symbol s has the canonical code s (read MSB first)
        self.bits(16, 5)
        for _ in range(16):
            self.bits(4, 4)

    def value(self, v):
        sym = v if v < 2 else v.bit_length()
        for i in range(4):                      # the code's bits in reading order: MSB first
            self.bit(sym >> (3 - i) & 1)
        if sym >= 2:
            self.bits(v & ((1 << (sym - 1)) - 1), sym - 1)


def _rnc_pack(subchunks, unpacked: bytes) -> bytes:
    """One pack chunk of (literals, distance, length) sub-chunks (the last one: no match)."""
    w = _RncWriter()
    w.bits(0, 2)
    for _ in range(3):
        w.table()
    w.bits(len(subchunks), 16)
    for i, (lit, dist, length) in enumerate(subchunks):
        w.value(len(lit))
        w.out += lit
        if i < len(subchunks) - 1:
            w.value(dist - 1)
            w.value(length - 2)
    body = bytes(w.out)
    return (b"RNC\x01" + struct.pack(">IIHH", len(unpacked), len(body), voices.crc16_arc(unpacked),
                                     voices.crc16_arc(body)) + b"\x00\x01" + body)


def test_crc16_arc_check_value():
    assert voices.crc16_arc(b"123456789") == 0xBB3D       # the CRC-16/ARC check value


def test_rnc_unpack_a_constructed_block(tmp_path):
    want = b"abcdef" + b"abcdef" + b"xyzzzzzzzz" + b"end!"
    subs = [(b"abcdef", 6, 6), (b"xyz", 1, 7), (b"end!", 0, 0)]
    block = _rnc_pack(subs, want)
    assert voices.rnc_unpack(block) == want
    # the Utterance path: a 22-byte data header, then the block, unsigned 8-bit samples
    p = tmp_path / "sky.dsk"
    p.write_bytes(b"junk" + b"\x11" * 22 + block + b"tail")
    x, fs = speech.decode(Utterance(str(p), offset=4, size=22 + len(block), codec="rnc-u8",
                                    rate=11025, skip=22))
    assert fs == 11025
    np.testing.assert_array_equal(x[:, 0], (np.frombuffer(want, np.uint8).astype(np.float32) - 128) / 128)


def test_rnc_unpack_rejects_corrupt_blocks():
    want = b"abcabcabc"
    block = bytearray(_rnc_pack([(b"abc", 3, 6), (b"", 0, 0)], want))
    assert voices.rnc_unpack(bytes(block)) == want
    for bad in (b"RNX" + bytes(block[3:]), bytes(block[:3]) + b"\x02" + bytes(block[4:]),
                bytes(block[:-3])):
        with pytest.raises(ValueError):
            voices.rnc_unpack(bad)
    flipped = bytearray(block)
    flipped[-1] ^= 0x40                                      # a packed byte: the packed CRC fails
    with pytest.raises(ValueError):
        voices.rnc_unpack(bytes(flipped))
    wrong_crc = bytearray(block)
    wrong_crc[12] ^= 1                                       # the unpacked CRC in the header
    with pytest.raises(ValueError, match="unpacked data CRC"):
        voices.rnc_unpack(bytes(wrong_crc))
    reach = _rnc_pack([(b"ab", 5, 3), (b"", 0, 0)], b"ab" + b"\0" * 3)
    with pytest.raises(ValueError, match="before the start"):
        voices.rnc_unpack(reach)


def test_sky_directory_offsets():
    dnr = struct.pack("<I", 2) + struct.pack("<H", 50001) + (100).to_bytes(3, "little") + (
        (1 << 23) | 77).to_bytes(3, "little") + struct.pack("<H", 50002) + ((1 << 23) | 5).to_bytes(
        3, "little") + (10).to_bytes(3, "little")
    assert voices.sky_directory(dnr) == [(50001, 100, 77), (50002, 80, 10)]
    with pytest.raises(ValueError):
        voices.sky_directory(dnr[:-1])
