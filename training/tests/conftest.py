"""Shared fixtures: a synthetic data cache (no Debian data packages needed)."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

torch.set_num_threads(2)


def _tone_stem(rng, n, sr=16000):
    """A random note sequence (harmonic tones with silences)."""
    out = np.zeros(n, dtype=np.float32)
    t = 0
    while t < n:
        L = int(rng.integers(sr // 8, sr // 2))
        f0 = float(rng.uniform(80, 900))
        tt = np.arange(min(L, n - t)) / sr
        tone = sum(np.sin(2 * np.pi * f0 * h * tt) / h for h in range(1, 6))
        env = np.exp(-tt * rng.uniform(1, 6))
        if rng.random() < 0.8:
            out[t:t + len(tt)] = 0.05 * tone * env
        t += L
    return out


@pytest.fixture(scope="session")
def synthetic_cache(tmp_path_factory):
    """A cache folder laid out like the real one: rendered 'pieces' and speech 'streams'."""
    root = str(tmp_path_factory.mktemp("cache"))
    rng = np.random.default_rng(7)
    sr = 16000
    for split, pieces in (("train", 3), ("val", 2), ("test", 2)):
        for bank, mode, ch in (("fluidr3", "orig", 5), ("fluidr3", "trio", 3), ("timgm6mb", "trio", 3),
                               ("fluidr3", "lead", 4)):
            d = os.path.join(root, "render", f"{bank}-{mode}")
            os.makedirs(d, exist_ok=True)
            for p in range(pieces):
                key = f"{split}{p}"
                arr = np.stack([_tone_stem(rng, 8 * sr) for _ in range(ch)]).astype(np.float16)
                np.save(os.path.join(d, key + ".npy"), arr)
                with open(os.path.join(d, key + ".json"), "w") as f:
                    json.dump({"id": key, "split": split, "bank": bank, "mode": mode, "sr": sr,
                               "voices": []}, f)
    d = os.path.join(root, "speech")
    os.makedirs(d)
    for spk, split in (("cs:a", "train"), ("cs:b", "train"), ("ru:c", "train"), ("tux:el", "val"),
                       ("tux:da", "val"), ("nl:m", "test"), ("nl:v", "test")):
        x = _tone_stem(rng, 12 * sr).astype(np.float16)
        np.save(os.path.join(d, spk.replace(":", "_") + ".npy"), x)
        with open(os.path.join(d, spk.replace(":", "_") + ".json"), "w") as f:
            json.dump({"speaker": spk, "split": split, "sr": sr, "seconds": 12.0, "files": []}, f)
    return root


TINY_RECIPE = {
    "name": "tiny",
    "model": {"hidden": 8, "layers": 1, "dropout": 0.0, "embedding_dim": 6},
    "train": {"seed": 5, "curriculum": [[20, 2, 3], [40, 100, 2]], "val_every": 3, "val_batches": 1,
              "checkpoint_minutes": 100.0, "eq_prob": 0.5,
              "mix_probs": {"trio": 0.3, "music": 0.3, "speech": 0.2, "lead": 0.2}},
}


def noise_sources(batch: int = 2, n: int = 6000, seed: int = 0):
    """Training-batch-shaped sources [batch, 4, n]: two white-noise sources, two silent slots."""
    src = np.zeros((batch, 4, n), dtype=np.float32)
    src[:, :2] = 0.1 * np.random.default_rng(seed).standard_normal((batch, 2, n))
    return src


@pytest.fixture(scope="session")
def synthetic_valsets(synthetic_cache, tmp_path_factory):
    """Two small validation splits (3 mixtures of 1 s each) written from the synthetic cache."""
    from unweave_train.data import testsets

    out = str(tmp_path_factory.mktemp("valsets"))
    for spec in (("val_music3", "other", "music", "fluidr3", 3, 3, 1.0, "3 instruments"),
                 ("val_speech2", "speech", "speech", None, 2, 3, 1.0, "two talkers")):
        testsets.synthetic_split(synthetic_cache, out, spec, split="val")
    return out
