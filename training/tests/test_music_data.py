"""The music material added for the long run: the SoundFont sample-overlap check, the per-bank
voice filter, the tracker-module renderer and the speech band limit."""

import shutil
import struct

import mido
import numpy as np
import pytest

from unweave_train.data import banks, modules
from unweave_train.data.midi import DRUM_CHANNEL, channel_stats
from unweave_train.data.mixtures import band_limit
from unweave_train.data.render import bank_voices


def _chunk(cid: bytes, body: bytes) -> bytes:
    return cid + struct.pack("<I", len(body)) + body + (b"\0" if len(body) & 1 else b"")


def _sf2(path, samples: list[tuple[str, np.ndarray]], presets: list[tuple[int, int, list[int]]]):
    """A minimal SoundFont 2 file: the samples, one instrument per preset naming its samples."""
    pcm = b""
    shdr = b""
    for name, x in samples:
        start = len(pcm) // 2
        pcm += np.asarray(x, dtype="<i2").tobytes() + b"\0" * 92  # 46 zero points after each
        end = start + len(x)
        shdr += name.encode().ljust(20, b"\0") + struct.pack("<5IbbHH", start, end, start, end,
                                                             44100, 60, 0, 0, 1)
    shdr += b"EOS".ljust(20, b"\0") + b"\0" * 26
    phdr = pbag = pgen = inst = ibag = igen = b""
    for p, (bank, program, idx) in enumerate(presets):
        phdr += f"P{p}".encode().ljust(20, b"\0") + struct.pack("<3H3I", program, bank, p, 0, 0, 0)
        pbag += struct.pack("<2H", p, 0)
        pgen += struct.pack("<2H", 41, p)
        inst += f"I{p}".encode().ljust(20, b"\0") + struct.pack("<H", len(ibag) // 4)
        for s in idx:
            ibag += struct.pack("<2H", len(igen) // 4, 0)
            igen += struct.pack("<2H", 53, s)
    n = len(presets)
    phdr += b"EOP".ljust(20, b"\0") + struct.pack("<3H3I", 0, 0, n, 0, 0, 0)
    pbag += struct.pack("<2H", n, 0)
    pgen += b"\0" * 4
    inst += b"EOI".ljust(20, b"\0") + struct.pack("<H", len(ibag) // 4)
    ibag += struct.pack("<2H", len(igen) // 4, 0)
    igen += b"\0" * 4
    sdta = b"sdta" + _chunk(b"smpl", pcm)
    pdta = b"pdta" + b"".join(_chunk(c, b) for c, b in (
        (b"phdr", phdr), (b"pbag", pbag), (b"pmod", b"\0" * 10), (b"pgen", pgen),
        (b"inst", inst), (b"ibag", ibag), (b"imod", b"\0" * 10), (b"igen", igen),
        (b"shdr", shdr)))
    body = b"sfbk" + _chunk(b"LIST", b"INFO") + _chunk(b"LIST", sdta) + _chunk(b"LIST", pdta)
    with open(path, "wb") as f:
        f.write(_chunk(b"RIFF", body))


def test_sf2_overlap_finds_shared_and_near_samples_and_their_presets(tmp_path):
    rng = np.random.default_rng(0)
    a, b, c = (rng.integers(-20000, 20000, 4000) for _ in range(3))
    near = np.clip(b + rng.integers(-50, 50, 4000), -32768, 32767)  # b, slightly re-quantised
    held = str(tmp_path / "held.sf2")
    cand = str(tmp_path / "cand.sf2")
    _sf2(held, [("piano", a), ("flute", b)], [(0, 0, [0]), (0, 73, [1])])
    _sf2(cand, [("own", c), ("copy", a), ("resampled", near)],
         [(0, 0, [0]), (0, 40, [1]), (0, 79, [2]), (128, 0, [0, 1])])
    got = banks.read_sf2_samples(cand)
    assert [s["name"] for s in got] == ["own", "copy", "resampled"]
    assert np.array_equal(got[1]["data"], a)
    res = banks.overlap(got, banks.read_sf2_samples(held))
    assert res["same"] == [("copy", "piano")]
    assert [(x, y) for x, y, _ in res["near"]] == [("resampled", "flute")]
    assert banks.preset_samples(cand) == {(0, 0): {0}, (0, 40): {1}, (0, 79): {2}, (128, 0): {0, 1}}
    assert banks.shared_presets(cand, res) == {(0, 40), (0, 79), (128, 0)}


def test_sf2_reader_refuses_other_files(tmp_path):
    p = tmp_path / "x.sf2"
    p.write_bytes(b"RIFF\x04\0\0\0WAVE")
    with pytest.raises(ValueError, match="not a SoundFont"):
        banks.read_sf2_samples(str(p))


def test_bank_voices_drop_excluded_programs_and_swap_the_drum_kit(tmp_path):
    mid = mido.MidiFile(type=1, ticks_per_beat=480)
    for ch, prog in ((0, 0), (1, 79), (2, 40), (DRUM_CHANNEL, 0)):
        tr = mido.MidiTrack()
        tr.append(mido.Message("program_change", channel=ch, program=prog, time=0))
        for i in range(10):
            tr.append(mido.Message("note_on", channel=ch, note=60 + i, velocity=90, time=0))
            tr.append(mido.Message("note_off", channel=ch, note=60 + i, velocity=0, time=240))
        mid.tracks.append(tr)
    stats = channel_stats(mid)
    assert stats[1]["programs"] == {79}
    voices = [(c, None, 0) for c in (0, 1, 2, DRUM_CHANNEL)]
    gu = bank_voices(voices, stats, "generaluser", "piece-a")
    assert [v[0] for v in gu] == [0, 2, DRUM_CHANNEL]  # the ocarina (79) is left out
    assert gu[-1][3] in ("avl-blackpearl", "avl-redzeppelin")
    assert all(v[3] == "generaluser" for v in gu[:-1])
    # A forced program decides, not the channel's own; other banks keep every voice.
    assert [v[0] for v in bank_voices([(1, 40, 0)], stats, "generaluser", "p")] == [1]
    assert [v[0] for v in bank_voices([(2, 79, 0)], stats, "generaluser", "p")] == []
    assert bank_voices(voices, stats, "fluidr3", "p") == [v + ("fluidr3",) for v in voices]


def test_band_limit_keeps_the_band_and_removes_what_is_above():
    sr, n = 16000, 16000
    t = np.arange(n) / sr
    x = np.stack([np.sin(2 * np.pi * 1000 * t), np.sin(2 * np.pi * 6000 * t)]).astype(np.float32)
    y = band_limit(x, 4000.0, sr)
    assert y.shape == x.shape and y.dtype == np.float32
    assert np.allclose(y[0], x[0], atol=1e-4)
    assert np.sqrt(np.mean(y[1] ** 2)) < 1e-4


@pytest.mark.skipif(shutil.which("xmp") is None, reason="xmp (Debian package xmp) not installed")
def test_module_channels_sum_to_the_mix(tmp_path):
    """A 4-channel ProTracker module written here (two square-wave samples): every channel is
    rendered alone, and the solo renders sum to xmp's full mix."""
    path = str(tmp_path / "t.mod")
    sample = (np.sign(np.sin(np.arange(64) * 2 * np.pi / 32)) * 60).astype(np.int8)
    hdr = b"test".ljust(20, b"\0")
    for i in range(31):
        if i < 2:
            hdr += f"s{i}".encode().ljust(22, b"\0") + struct.pack(">HbBHH", 32, 0, 64, 0, 32)
        else:
            hdr += b"\0" * 22 + struct.pack(">HbBHH", 0, 0, 0, 0, 1)
    hdr += bytes([1, 127]) + bytes(128) + b"M.K."
    rows = b""
    periods = (428, 381, 339, 320)
    for r in range(64):
        for ch in range(4):
            if r % 8 == 0 and ch < 3:
                s, p = 1 + ch % 2, periods[(r // 8 + ch) % 4]
                rows += bytes([(s & 0xF0) | (p >> 8), p & 0xFF, (s & 0x0F) << 4, 0])
            else:
                rows += bytes(4)
    with open(path, "wb") as f:
        f.write(hdr + rows + sample.tobytes() + sample.tobytes())
    assert modules.channel_count(path) == 4
    mod = {"id": "test:t.mod", "path": path, "split": "train"}
    npy = modules.render_module(mod, str(tmp_path / "out"), sr=16000, seconds=4)
    assert npy is not None
    stems = np.load(npy).astype(np.float32)
    assert stems.shape[0] == 3  # the silent fourth channel is left out
    full = modules.xmp_render(path, str(tmp_path / "full.wav"), 16000, 4)
    m = min(stems.shape[1], len(full))
    err = stems.sum(0)[:m] - full[:m]
    assert 10 * np.log10(np.sum(err ** 2) / np.sum(full[:m] ** 2)) < -40


def test_held_out_splits_are_stereo_at_the_renders_rate_and_sum_to_the_mix(tmp_path):
    import json
    import os

    import soundfile as sf

    from unweave_train.data import render, testsets

    rng = np.random.default_rng(1)
    sr = 8000
    for mode, voices in (("trio", [40, 0, 42]), ("orig", [None] * 5)):
        d = render.render_dir(str(tmp_path), "timgm6mb", mode, render.HELD_OUT_TAG)
        os.makedirs(d)
        for p in range(2):
            arr = (0.1 * rng.standard_normal((len(voices), 2, 5 * sr))).astype(np.float16)
            arr[:, 1] *= 0.5  # every voice louder on the left
            np.save(os.path.join(d, f"p{p}.npy"), arr)
            with open(os.path.join(d, f"p{p}.json"), "w") as f:
                json.dump({"id": f"p{p}", "split": "test", "sr": sr, "stereo": True,
                           "voices": [{"program": v} for v in voices]}, f)
    out = str(tmp_path / "out")
    for spec in (("t", "trio", "trio", 3, 3, 1.0, "d"), ("e", "other", "orig", 4, 3, 1.0, "d")):
        man = testsets.held_out_split(str(tmp_path), out, spec)
        assert man["sampleRate"] == sr and len(man["mixtures"]) == 3
        for item in man["mixtures"]:
            mix, fs = sf.read(os.path.join(out, spec[0], item["mix"]))
            srcs = [sf.read(os.path.join(out, spec[0], s))[0] for s in item["sources"]]
            assert fs == sr and mix.shape == (sr, 2) and len(srcs) == spec[3]
            assert np.allclose(np.sum(srcs, axis=0), mix, atol=1e-5)
            assert np.abs(mix).max() <= 0.9 + 1e-6
            assert np.std(mix[:, 0]) > 1.5 * np.std(mix[:, 1])
        if spec[1] == "trio":
            assert man["mixtures"][0]["sourceNames"] == ["violin", "piano", "cello"]
    # The same call writes the same split.
    again = testsets.held_out_split(str(tmp_path), str(tmp_path / "again"), spec)
    a = sf.read(os.path.join(out, "e", man["mixtures"][2]["mix"]))[0]
    b = sf.read(os.path.join(str(tmp_path / "again"), "e", again["mixtures"][2]["mix"]))[0]
    assert np.array_equal(a, b)
