import numpy as np
import torch

from unweave_train import dsp
from unweave_train.config import ModelConfig
from unweave_train.evaluate import apply_masks, kmeans, oracle_masks
from unweave_train.metrics import score, si_sdr


def test_si_sdr_basics():
    rng = np.random.default_rng(0)
    s = rng.standard_normal(8000)
    assert si_sdr(2.5 * s, s) > 100
    n = rng.standard_normal(8000)
    assert abs(si_sdr(s + n, s) - 0.0) < 0.5  # equal power noise: ~0 dB


def test_oracle_ibm_improves_and_permutation_is_found():
    rng = np.random.default_rng(1)
    t = np.arange(16000) / 16000
    a = 0.3 * np.sin(2 * np.pi * 220 * t)
    b = 0.3 * rng.standard_normal(16000) * (np.sin(2 * np.pi * 3 * t) > 0)
    refs = np.stack([a, b]).astype(np.float32)
    mix = refs.sum(0)
    cfg = ModelConfig()
    X = dsp.stft(torch.from_numpy(mix), cfg.n_fft, cfg.hop)
    S = dsp.stft(torch.from_numpy(refs), cfg.n_fft, cfg.hop).abs().numpy()
    est = apply_masks(X, oracle_masks(S, "ibm"), cfg, len(mix))
    sc = score(est[::-1].copy(), refs, mix, with_sdr=True)  # swapped order: permutation search
    assert sc["sisdri"] > 5 and sc["sdri"] > 5


def test_kmeans_separates_two_blobs():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 0.1, (100, 3)) + [1, 0, 0], rng.normal(0, 0.1, (80, 3)) - [1, 0, 0]])
    c = kmeans(x, 2, rng)
    assert sorted(np.round(c[:, 0]).tolist()) == [-1.0, 1.0]


def test_soft_and_hard_masks_from_centroids():
    from unweave_train.evaluate import SOFT_BETA, masks_from_centroids

    rng = np.random.default_rng(0)
    V = rng.standard_normal((7, 5, 4))
    V /= np.linalg.norm(V, axis=-1, keepdims=True)
    c = rng.standard_normal((3, 4)) * 0.4  # unnormalised centroids: only the direction counts
    hard = masks_from_centroids(V, c, "hard")
    soft = masks_from_centroids(V, c, "soft")
    assert hard.shape == soft.shape == (3, 7, 5)
    assert np.allclose(hard.sum(0), 1) and np.allclose(soft.sum(0), 1, atol=1e-6)
    assert set(np.unique(hard)) <= {0.0, 1.0}
    assert np.array_equal(soft.argmax(0), hard.argmax(0))
    assert 0 < soft.min() and soft.max() < 1
    cu = c / np.linalg.norm(c, axis=1, keepdims=True)
    cos = V.reshape(-1, 4) @ cu.T
    e = np.exp(SOFT_BETA * cos)
    ref = (e / e.sum(1, keepdims=True)).T.reshape(3, 7, 5)
    assert np.allclose(soft, ref, atol=1e-5)
    sharp = masks_from_centroids(V, c, "soft", beta=1e4)
    assert np.allclose(sharp, hard, atol=1e-3)
