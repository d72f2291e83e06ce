"""Recording augmentation (data.chain): the chain's response, the room, and training batches."""

import numpy as np
import torch

from conftest import noise_sources
from unweave_train.data import chain


def test_chain_gain_has_the_butterworth_shape():
    f = np.array([50.0, 1000.0, 8000.0, 16000.0])
    g = chain.chain_gain_db(f, lowpass_hz=1000.0, lowpass_order=1.0)
    assert abs(g[0]) < 0.02                      # passband
    assert abs(g[1] + 3.01) < 0.01               # -3 dB at the cutoff
    assert abs((g[2] - g[3]) - 6.02) < 0.05      # 6 dB per octave far above it (order 1)
    g2 = chain.chain_gain_db(f, lowpass_hz=1000.0, lowpass_order=2.0)
    assert abs((g2[2] - g2[3]) - 12.04) < 0.05
    hp = chain.chain_gain_db(np.array([25.0, 100.0, 4000.0]), highpass_hz=100.0, highpass_order=1.0)
    assert abs(hp[1] + 3.01) < 0.01 and abs(hp[2]) < 0.01 and hp[0] < -11.0
    deep = chain.chain_gain_db(np.array([8000.0]), lowpass_hz=100.0, lowpass_order=4.0)
    assert deep[0] == chain.FLOOR_DB


def test_apply_chain_filters_tones_by_the_gain_at_their_frequency():
    sr, n = 16000, 16000
    t = np.arange(n) / sr
    low, high = np.sin(2 * np.pi * 200 * t), np.sin(2 * np.pi * 6000 * t)
    x = np.stack([low, high])
    y = chain.apply_chain(x, sr, lowpass_hz=1000.0, lowpass_order=1.0)
    ratio_db = 20 * np.log10(np.sqrt(np.mean(y ** 2, axis=1)) / np.sqrt(np.mean(x ** 2, axis=1)))
    expect = chain.chain_gain_db(np.array([200.0, 6000.0]), lowpass_hz=1000.0, lowpass_order=1.0)
    assert np.allclose(ratio_db, expect, atol=0.05)
    assert y.shape == x.shape and y.dtype == np.float32


def test_random_chains_stay_in_their_ranges_and_are_seeded():
    draws = [chain.random_chain(np.random.default_rng(s)) for s in range(200)]
    fc = np.array([d["lowpass_hz"] for d in draws])
    assert fc.min() >= chain.LOWPASS_HZ[0] and fc.max() <= chain.LOWPASS_HZ[1]
    assert 0.3 < np.mean(["highpass_hz" in d for d in draws]) < 0.7
    assert chain.random_chain(np.random.default_rng(7)) == chain.random_chain(np.random.default_rng(7))
    g = chain.random_chain_gains(np.random.default_rng(7), 257, 16000)
    assert g.shape == (257,) and g.dtype == np.float32 and np.all(g <= 1.0) and np.all(g > 0)


def test_room_ir_has_a_direct_sound_and_a_tail_at_the_asked_level():
    sr = 16000
    ir = chain.room_ir(np.random.default_rng(0), sr, rt60=0.5, wet_db=-6.0, predelay=0.01)
    assert ir[0] == 1.0 and np.all(ir[1:int(0.01 * sr)] == 0)
    tail = ir[int(0.01 * sr):]  # the tail starts at the predelay
    assert abs(10 * np.log10(np.sum(ir[1:] ** 2) / 1.0) + 6.0) < 0.5
    # decays: the last tenth holds far less energy than the first
    m = len(tail) // 10
    assert np.sum(tail[-m:] ** 2) < 1e-3 * np.sum(tail[:m] ** 2)


def test_add_room_reverberates_every_source_keeps_rms_padding_and_seed():
    src = noise_sources(batch=3, n=8000, seed=1)
    counts = np.array([2, 2, 2])
    same = chain.add_room(src, counts, np.random.default_rng(2), 16000, prob=0.0)
    assert np.array_equal(same, src)
    out = chain.add_room(src, counts, np.random.default_rng(2), 16000, prob=1.0)
    again = chain.add_room(src, counts, np.random.default_rng(2), 16000, prob=1.0)
    assert np.array_equal(out, again)
    assert np.all(out[:, 2:] == 0)  # padding slots stay silent
    rms_in = np.sqrt(np.mean(src[:, :2] ** 2, axis=-1))
    rms_out = np.sqrt(np.mean(out[:, :2] ** 2, axis=-1))
    assert np.allclose(rms_in, rms_out, rtol=1e-4)
    # the direct sound is still there: each output correlates with its own source, not the other
    for b in range(3):
        c_own = np.corrcoef(out[b, 0], src[b, 0])[0, 1]
        c_other = np.corrcoef(out[b, 0], src[b, 1])[0, 1]
        assert 0.3 < c_own < 0.999 and abs(c_other) < 0.1


def test_chained_batches_colour_the_mixture_and_keep_labels_consistent():
    from unweave_train import dsp
    from unweave_train.config import ModelConfig
    from unweave_train.losses import dominant_source_labels
    from unweave_train.train import batch_tensors

    src = noise_sources()
    cfg = ModelConfig()
    f0, _, _ = batch_tensors(src, cfg, "silence")
    f1, Y1, _ = batch_tensors(src, cfg, "silence", np.random.default_rng(3), chain_prob=1.0)
    # white noise through a low-pass chain: the top bins fall, and more than the mid-low ones
    drop_top = float((f0 - f1)[..., -20:].mean())
    assert drop_top > 1.0 and drop_top > float((f0 - f1)[..., 10:20].mean()) + 0.5
    # rebuild from the same draws: one gain curve per example, shared by its sources
    er = np.random.default_rng(3)
    gains = np.ones((2, 1, 1, cfg.bins), dtype=np.float32)
    for b in range(2):
        if er.random() < 1.0:
            gains[b, 0, 0] = chain.random_chain_gains(er, cfg.bins, cfg.sample_rate)
    Xs = dsp.stft(torch.from_numpy(src), cfg.n_fft, cfg.hop) * torch.from_numpy(gains)
    assert torch.allclose(f1.exp(), Xs.sum(1).abs() + cfg.eps, rtol=1e-4, atol=1e-5)
    assert torch.equal(Y1, dominant_source_labels(Xs.abs()))


def test_training_with_room_chain_and_drive_runs_and_is_deterministic(synthetic_cache, tmp_path):
    import copy
    from conftest import TINY_RECIPE
    from unweave_train.train import train

    recipe = copy.deepcopy(TINY_RECIPE)
    recipe["train"]["room_prob"] = 1.0
    recipe["train"]["chain_prob"] = 1.0
    recipe["train"]["drive_prob"] = 1.0
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    train(copy.deepcopy(recipe), a, synthetic_cache, max_steps=3, log=lambda *_: None)
    train(copy.deepcopy(recipe), b, synthetic_cache, max_steps=3, log=lambda *_: None)
    wa = torch.load(f"{a}/last.pt")["model"]
    wb = torch.load(f"{b}/last.pt")["model"]
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    plain = str(tmp_path / "plain")
    recipe["train"]["room_prob"] = recipe["train"]["chain_prob"] = recipe["train"]["drive_prob"] = 0.0
    train(recipe, plain, synthetic_cache, max_steps=3, log=lambda *_: None)
    wp = torch.load(f"{plain}/last.pt")["model"]
    assert not all(torch.equal(wa[k], wp[k]) for k in wa)


def test_speaker_pairs_colour_places_talkers_in_a_room_and_a_chain_keeping_the_peak():
    from unweave_train.speaker_pairs import colour

    rng = np.random.default_rng(4)
    refs = (0.1 * rng.standard_normal((2, 16000))).astype(np.float32)
    assert colour(refs, 16000, None) is refs
    out = colour(refs, 16000, {"lowpass_hz": 1000.0, "lowpass_order": 1.0}, (0.5, -6.0), seed=3)
    assert np.array_equal(out, colour(refs, 16000, {"lowpass_hz": 1000.0, "lowpass_order": 1.0},
                                      (0.5, -6.0), seed=3))
    assert np.isclose(np.abs(out.sum(0)).max(), np.abs(refs.sum(0)).max(), rtol=1e-5)
    spec_in = np.abs(np.fft.rfft(refs[0])) ** 2
    spec_out = np.abs(np.fft.rfft(out[0])) ** 2
    hi = slice(int(6000 / 8000 * len(spec_in)), None)
    lo = slice(1, int(300 / 8000 * len(spec_in)))
    tilt = (10 * np.log10(spec_out[lo].mean() / spec_out[hi].mean())
            - 10 * np.log10(spec_in[lo].mean() / spec_in[hi].mean()))
    assert tilt > 10.0  # the 1 kHz first-order chain: ~15 dB less at 6-8 kHz than at 0-300 Hz


def _level_db(y: np.ndarray, sr: int, hz: float) -> float:
    """Level (dB) of the strongest FFT bin within 3 Hz of hz, Hann-windowed."""
    Y = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    f = np.fft.rfftfreq(len(y), 1.0 / sr)
    return float(20 * np.log10(Y[np.abs(f - hz) <= 3.0].max() + 1e-12))


def test_drive_keeps_the_level_and_silence_and_distorts_a_chord_as_a_whole():
    sr, n = 16000, 16000
    t = np.arange(n) / sr
    a = 0.1 * np.sin(2 * np.pi * 440 * t)
    b = 0.1 * np.sin(2 * np.pi * 660 * t)
    p = {"drive_db": 30.0, "bias": 0.2, "pre_hp_hz": 100.0, "cab_lp_hz": 6000.0, "cab_order": 2.0}
    y = chain.drive(a + b, sr, **p)
    assert y.dtype == np.float32 and np.all(np.isfinite(y))
    assert np.isclose(np.sqrt(np.mean(y ** 2)), np.sqrt(np.mean((a + b) ** 2)), rtol=1e-3)
    assert np.array_equal(chain.drive(np.zeros(n), sr, **p), np.zeros(n, dtype=np.float32))
    # 220 Hz (660 - 440) is in neither note nor in their harmonics: only a chord driven as a
    # whole has it (intermodulation); notes driven one by one and summed, as a sampled
    # "distortion guitar" plays them, do not.
    apart = chain.drive(a, sr, **p) + chain.drive(b, sr, **p)
    ref = _level_db(y, sr, 440.0)
    assert _level_db(y, sr, 220.0) - ref > -25.0
    assert _level_db(apart, sr, 220.0) - _level_db(apart, sr, 440.0) < -60.0
    assert _level_db(a + b, sr, 220.0) - ref < -60.0


def test_drive_does_not_fold_harmonics_back_below_the_rate():
    # Driven this hard a 3 kHz tone is nearly square: at 16 kHz its 3rd harmonic (9 kHz) would
    # fold to 7 kHz at -10 dB and its 5th (15 kHz) to 1 kHz at -14 dB without oversampling; at 4x
    # only far harmonics fold (the 21st, -26 dB, less the clipper's rounding).
    sr, n = 16000, 16000
    x = 0.1 * np.sin(2 * np.pi * 3000 * np.arange(n) / sr)
    y = chain.drive(x, sr, drive_db=36.0, bias=0.0, pre_hp_hz=80.0, cab_lp_hz=7900.0, cab_order=3.0)
    ref = _level_db(y, sr, 3000.0)
    assert _level_db(y, sr, 1000.0) - ref < -30.0  # -17.6 dB without oversampling
    assert _level_db(y, sr, 7000.0) - ref < -30.0  # -12.2 dB without


def test_add_drive_changes_one_source_of_music_examples_only():
    rng = np.random.default_rng(0)
    src = (0.05 * rng.standard_normal((4, 3, 8000))).astype(np.float32)
    counts = np.array([2, 3, 2, 3])
    kinds = ["music", "speech", "lead", "trio"]
    out = chain.add_drive(src, counts, kinds, np.random.default_rng(1), 16000, 1.0)
    changed = [[not np.array_equal(out[b, c], src[b, c]) for c in range(3)] for b in range(4)]
    assert sum(changed[0]) == 1 and sum(changed[2]) == 1
    assert not any(changed[1]) and not any(changed[3])
    assert not any(row[2] for row in (changed[0], changed[2]))  # never past counts[b]
    again = chain.add_drive(src, counts, kinds, np.random.default_rng(1), 16000, 1.0)
    assert np.array_equal(out, again)
    assert np.array_equal(chain.add_drive(src, counts, kinds, rng, 16000, 0.0), src)
