import os
import shutil

import mido
import numpy as np
import pytest

from unweave_train.data import corpus
from unweave_train.data.midi import channel_stats, extract_channel, trio_voices
from unweave_train.data.mixtures import MixtureSampler, batch_sources

PROBS = {"trio": 0.3, "music": 0.4, "speech": 0.3}


def test_same_seed_same_batch(synthetic_cache):
    s1 = MixtureSampler(synthetic_cache, "train")
    s2 = MixtureSampler(synthetic_cache, "train")
    a, ca = batch_sources(s1, np.random.default_rng([1, 7]), 6, 4000, PROBS)
    b, cb = batch_sources(s2, np.random.default_rng([1, 7]), 6, 4000, PROBS)
    c, _ = batch_sources(s1, np.random.default_rng([1, 8]), 6, 4000, PROBS)
    assert np.array_equal(a, b) and np.array_equal(ca, cb)
    assert not np.array_equal(a, c)
    assert set(ca.tolist()) <= {2, 3, 4}


def test_examples_have_k_active_sources_and_sane_level(synthetic_cache):
    s = MixtureSampler(synthetic_cache, "train")
    rng = np.random.default_rng(3)
    for kind in ("trio", "music", "speech"):
        src = s.sample(rng, kind, 8000, k=2)
        assert src.shape == (2, 8000) and src.dtype == np.float32
        assert np.all(np.sqrt((src ** 2).mean(axis=1)) > 0)
        assert np.abs(src.sum(0)).max() <= 0.9 + 1e-6


def test_splits_are_disjoint_and_stable():
    keys = [f"piece{i}" for i in range(400)]
    s = [corpus.split_of(k) for k in keys]
    assert s == [corpus.split_of(k) for k in keys]
    assert 20 < s.count("test") < 80 and s.count("val") > 5
    assert corpus.speech_split("nl:m") == "test" and corpus.speech_split("cs:m") == "train"
    assert corpus.fillets_speaker("/x/vit-m-hlava.ogg") == "m"
    assert corpus.fillets_speaker("/x/v-chytra.ogg") == "v"
    assert corpus.fillets_speaker("/x/dr-1-achjo.ogg") == "minor"


def _midi(path):
    mid = mido.MidiFile(type=1, ticks_per_beat=480)
    t0 = mido.MidiTrack()
    t0.append(mido.MetaMessage("set_tempo", tempo=500000, time=0))
    mid.tracks.append(t0)
    for ch, base in ((0, 72), (1, 60), (2, 40), (9, 36)):
        tr = mido.MidiTrack()
        tr.append(mido.Message("program_change", channel=ch, program=5, time=0))
        for i in range(30):
            tr.append(mido.Message("note_on", channel=ch, note=base + i % 5, velocity=90, time=0))
            tr.append(mido.Message("note_off", channel=ch, note=base + i % 5, velocity=0, time=240))
        mid.tracks.append(tr)
    mid.save(path)
    return mido.MidiFile(path)


def test_midi_channel_split_program_and_truncation(tmp_path):
    mid = _midi(str(tmp_path / "a.mid"))
    st = channel_stats(mid)
    assert set(st) == {0, 1, 2, 9} and st[0]["notes"] == 30
    voices = trio_voices(st)
    assert [v[1] for v in voices] == [40, 0, 42]  # violin highest, cello lowest
    one = extract_channel(mid, 1, program=40, transpose=12, out_channel=0, max_seconds=3.0)
    msgs = [m for m in one.tracks[0] if not m.is_meta]
    assert all(m.channel == 0 for m in msgs)
    progs = [m.program for m in msgs if m.type == "program_change"]
    assert progs == [40]
    notes = [m.note for m in msgs if m.type == "note_on"]
    assert min(notes) >= 72 and len(notes) < 30  # transposed, cut at 3 s (of 7.5 s)
    p = str(tmp_path / "one.mid")
    one.save(p)
    assert os.path.getsize(p) > 0


def test_sequential_midi_puts_each_voice_in_its_own_section(tmp_path):
    from unweave_train.data.render import TICKS_PER_SECOND, sequential_midi

    mid = _midi(str(tmp_path / "b.mid"))
    voices = trio_voices(channel_stats(mid))
    seq, section = sequential_midi(mid, voices, max_seconds=5.0)
    assert section == 9.0
    tick = 0
    for m in seq.tracks[0]:
        tick += m.time
        if not m.is_meta and m.type == "note_on":
            sec = tick / TICKS_PER_SECOND
            assert m.channel * section <= sec <= m.channel * section + 5.0 + 1e-6


def test_speaker_weights_uniform_keeps_draw_and_weights_bias_it(synthetic_cache, tmp_path):
    """Equal stream weights keep the original uniform speaker draw (test sets unchanged); a
    "weight" in a stream's metadata biases how often that speaker is drawn."""
    import json
    import shutil

    s = MixtureSampler(synthetic_cache, "train")
    assert s.speaker_p is None
    cache = str(tmp_path / "c")
    shutil.copytree(os.path.join(synthetic_cache, "speech"), os.path.join(cache, "speech"))
    meta_path = os.path.join(cache, "speech", "cs_a.json")
    with open(meta_path) as f:
        meta = json.load(f)
    meta["weight"] = 20.0
    with open(meta_path, "w") as f:
        json.dump(meta, f)
    w = MixtureSampler(cache, "train", music_banks=(), trio_banks=())
    assert w.speaker_p is not None and abs(w.speaker_p.sum() - 1) < 1e-9
    assert w.speaker_p[w.speakers.index("cs:a")] > 0.8
    rng = np.random.default_rng(3)
    for _ in range(5):
        x = w.sample(rng, "speech", 16000, k=2)
        assert x.shape == (2, 16000)


def test_lead_voices_put_a_guitar_first_and_keep_the_band():
    from unweave_train.data.render import LEAD_PROGRAMS, lead_voices

    stats = {0: {"notes": 40, "mean_pitch": 90.0}, 1: {"notes": 30, "mean_pitch": 40.0},
             2: {"notes": 10, "mean_pitch": 60.0}, 9: {"notes": 80, "mean_pitch": 38.0}}
    seen = set()
    for pid in ("a", "b", "c", "d", "e", "f", "g", "h"):
        v = lead_voices(stats, pid)
        assert v == lead_voices(stats, pid)  # a function of the piece id
        lead, prog, shift = v[0]
        assert lead in (0, 1)  # melodic with >= 20 notes: never the drums, never channel 2
        assert prog in LEAD_PROGRAMS and shift % 12 == 0
        assert 52 <= stats[lead]["mean_pitch"] + shift <= 76
        assert sorted(c for c, _, _ in v) == [0, 1, 2, 9]  # everyone else is the band
        assert all(p is None for _, p, _ in v[1:])
        seen.add(lead)
    assert seen == {0, 1}
    assert lead_voices({9: {"notes": 80, "mean_pitch": 38.0}, 1: {"notes": 5, "mean_pitch": 50.0}}, "a") is None


def test_lead_examples_are_the_lead_against_the_sum_of_the_band(synthetic_cache):
    from unweave_train.data.mixtures import StemPool

    s = MixtureSampler(synthetic_cache, "train")
    assert s.available()["lead"] == 3
    # One piece whose channel 0 (the lead) is a 1 kHz tone and whose band is 200/300/400 Hz.
    t = np.arange(4 * 16000) / 16000
    arr = np.stack([0.1 * np.sin(2 * np.pi * f * t) for f in (1000, 200, 300, 400)]).astype(np.float16)
    pool = StemPool.__new__(StemPool)
    pool.entries, pool.arrays = [{}], [arr]
    s.lead = [pool]
    freqs = np.fft.rfftfreq(8000, 1 / 16000)
    for seed in range(5):
        src = s.sample(np.random.default_rng(seed), "lead", 8000)
        assert src.shape == (2, 8000) and np.abs(src.sum(0)).max() <= 0.9 + 1e-6
        P = np.abs(np.fft.rfft(src.astype(np.float64), axis=1)) ** 2
        lead_band = P[:, np.abs(freqs - 1000) < 20].sum(1)
        low_band = P[:, freqs < 450].sum(1)
        assert lead_band[0] > 1e3 * low_band[0]  # the lead alone
        assert low_band[1] > 1e3 * lead_band[1]  # the band, without the lead
        for f in (200, 300, 400):  # every band channel is in the band source
            assert P[1, np.abs(freqs - f) < 20].sum() > 0.1 * low_band[1]
        r = np.sqrt((src.astype(np.float64) ** 2).mean(1))
        assert -9.1 < 20 * np.log10(r[0] / r[1]) < 3.1  # lead 3 dB above to 9 dB below the band


def test_one_bank_draws_no_random_number_so_the_test_splits_stay_the_same():
    """The test splits are regenerated from the seed on every machine: a sampler change that
    spends a random draw where there is nothing to choose would silently change them."""
    from unweave_train.data.mixtures import _draw_pool

    a, b = [1, 2, 3], [4]
    rng = np.random.default_rng(9)
    before = rng.bit_generator.state
    assert _draw_pool(rng, [a]) is a
    assert rng.bit_generator.state == before
    picks = [_draw_pool(rng, [a, b]) for _ in range(400)]
    assert rng.bit_generator.state != before
    assert 0.65 < sum(p is a for p in picks) / 400 < 0.85  # in proportion to the pools' sizes


@pytest.mark.skipif(not (shutil.which("fluidsynth") and os.path.exists(corpus.BANKS["fluidr3"])),
                    reason="needs fluidsynth + FluidR3_GM (fluid-soundfont-gm)")
def test_render_keeps_the_synthesisers_stereo_when_asked(tmp_path):
    import json

    from unweave_train.data.render import render_piece

    _midi(str(tmp_path / "c.mid"))
    piece = {"id": "test:c", "path": str(tmp_path / "c.mid"), "split": "test"}
    mono = render_piece(piece, "fluidr3", "trio", str(tmp_path / "m"), sr=16000, max_seconds=5.0)
    st = render_piece(piece, "fluidr3", "trio", str(tmp_path / "s"), sr=44100, max_seconds=5.0,
                      stereo=True)
    with open(st[:-4] + ".json") as f:
        meta = json.load(f)
    assert meta["stereo"] and meta["sr"] == 44100
    assert [v["program"] for v in meta["voices"]] == [40, 0, 42]
    a, b = np.load(mono).astype(np.float32), np.load(st).astype(np.float32)
    assert a.ndim == 2 and a.shape[0] == 3 and b.shape[:2] == (3, 2)
    assert 4.5 * 44100 < b.shape[2] < 12 * 44100
    assert np.all(np.sqrt(np.mean(b ** 2, axis=(1, 2))) > 1e-3)  # every voice sounds
    # the piano is a stereo sample: its two channels differ
    assert not np.allclose(b[1, 0], b[1, 1], atol=1e-3)


def test_times_extends_the_validation_splits_without_changing_their_first_mixtures(synthetic_cache, tmp_path):
    import soundfile as sf

    from unweave_train.data.testsets import main as write_splits

    for times in (1, 3):
        write_splits(["--val", "--only", "val_music2", "val_speech2", "--cache", synthetic_cache,
                      "--times", str(times), "--out", str(tmp_path / f"x{times}")])
    for split, count in (("val_music2", 20), ("val_speech2", 30)):
        one = sorted(f for f in os.listdir(tmp_path / "x1" / split) if f.endswith("_mix.wav"))
        three = sorted(f for f in os.listdir(tmp_path / "x3" / split) if f.endswith("_mix.wav"))
        assert len(one) == count and len(three) == 3 * count
        for f in one:
            a, _ = sf.read(str(tmp_path / "x1" / split / f))
            b, _ = sf.read(str(tmp_path / "x3" / split / f))
            assert np.array_equal(a, b)
        # the added mixtures are new ones, not copies
        a, _ = sf.read(str(tmp_path / "x3" / split / three[count]))
        assert not any(np.array_equal(a, sf.read(str(tmp_path / "x1" / split / f))[0]) for f in one)


def test_stereo_validation_mixes_pan_each_instrument_and_keep_sources_summing_to_the_mix(synthetic_cache, tmp_path):
    import json

    import soundfile as sf

    from unweave_train.data.stereo import pan_gains, stereo_sources
    from unweave_train.data.testsets import main as write_splits

    g = pan_gains(np.array([-1.0, 0.0, 1.0, 0.3]))
    assert np.allclose((g ** 2).sum(1), 1.0)  # constant power
    assert np.allclose(g[0], [1, 0]) and np.allclose(g[1], [2 ** -0.5] * 2) and np.allclose(g[2], [0, 1], atol=1e-12)
    # Two instruments in two sources: each source is its instrument panned plus its reverb only.
    rng = np.random.default_rng(3)
    inst = np.stack([np.sin(2 * np.pi * 300 * np.arange(16000) / 16000),
                     np.zeros(16000)]).astype(np.float32)
    out = stereo_sources(inst, np.array([0, 1]), 2, rng, 16000)
    assert out.shape == (2, 16000, 2)
    assert np.abs(out[1]).max() == 0.0  # a silent instrument sends nothing
    assert np.sqrt((out[0] ** 2).mean()) > 0.1
    write_splits(["--stereo-val", "--cache", synthetic_cache, "--out", str(tmp_path / "s"),
                  "--only", "val_stereo_lead", "val_stereo_band3"])
    for split, k in (("val_stereo_lead", 2), ("val_stereo_band3", 3)):
        with open(tmp_path / "s" / split / "manifest.json") as f:
            man = json.load(f)
        assert man["category"] == "stereo" and len(man["mixtures"]) > 0
        for item in man["mixtures"][:3]:
            mix, sr = sf.read(str(tmp_path / "s" / split / item["mix"]))
            srcs = np.stack([sf.read(str(tmp_path / "s" / split / s))[0] for s in item["sources"]])
            assert sr == 16000 and mix.shape[1] == 2 and srcs.shape == (k,) + mix.shape
            assert np.abs(srcs.sum(0) - mix).max() < 1e-5
            assert 0.05 - 1e-6 <= np.abs(mix).max() <= 0.9 + 1e-6
            # the channels differ (panning), and not just by a gain (reverb tails are independent)
            l, r = mix[:, 0], mix[:, 1]
            assert abs(np.corrcoef(l, r)[0, 1]) < 0.999
