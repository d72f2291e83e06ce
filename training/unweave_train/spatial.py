"""Diagnostic: would a stereo cue beside the embeddings help the real songs (Frets on Fire)?

    cd training && /usr/bin/python3 -m unweave_train.spatial --checkpoint checkpoints/unweave-dc.pt

The network sees the mono downmix. Here each time-frequency bin's vector for the k-means is the
embedding with one more coordinate, lam * |ILD| / 20 dB (clipped to 1), the level difference
between the left and right STFTs of the stereo mixture; the masks are the app's soft masks
(softmax of 5 x cosine) of the augmented vectors. lam = 0 is the evaluation's own inference. It
prints the SI-SDR improvement (mono references, as evaluate.py) per song and lam.

The Frets on Fire songs are test material: a lam read off this table is chosen on the test songs,
so this is a pointer for a stereo feature (to be tuned on stereo validation material), not a
result. Nothing in the app uses it.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Optional

import numpy as np
import torch

from . import dsp
from .evaluate import fit_centroids, load_audio, load_model, masks_from_centroids
from .metrics import score


def ild_feature(left_mag: np.ndarray, right_mag: np.ndarray, eps: float = 1e-8) -> np.ndarray:
    """|20 log10(|L| / |R|)| / 20 dB, clipped to [0, 1]: 0 for a centred bin, 1 for a bin 20 dB
    or more to one side. Shapes [T, F] -> [T, F]."""
    ild = 20.0 * np.log10((left_mag + eps) / (right_mag + eps))
    return np.clip(np.abs(ild) / 20.0, 0.0, 1.0)


def augmented_masks(V: np.ndarray, feat: np.ndarray, mag: np.ndarray, k: int, lam: float,
                    silence_db: float, seed: int = 0) -> np.ndarray:
    """Soft masks [k, T, F] from k-means on [V, lam * feat] (V [T, F, D] unit-norm, feat [T, F]),
    fitted as the evaluation fits the embeddings (active bins, magnitude weights)."""
    A = np.concatenate([V, lam * feat[..., None]], axis=-1)
    An = A / np.maximum(np.linalg.norm(A, axis=-1, keepdims=True), 1e-12)
    c = fit_centroids(A, mag, k, silence_db, "mag", seed)
    if c is None:
        return np.full((k,) + mag.shape, 1.0 / k, dtype=np.float32)
    return masks_from_centroids(An.astype(np.float32), c, "soft")


def main(argv: Optional[list] = None) -> None:
    p = argparse.ArgumentParser(description="Stereo-cue diagnostic on the Frets on Fire songs")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--split", default=os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "cache", "testsets", "fof"))
    p.add_argument("--lambdas", type=float, nargs="+", default=[0.0, 0.5, 1.0, 2.0, 4.0])
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    model = load_model(args.checkpoint)
    cfg = model.cfg
    with open(os.path.join(args.split, "manifest.json")) as f:
        man = json.load(f)
    scores = {lam: [] for lam in args.lambdas}
    for i, item in enumerate(man["mixtures"]):
        refs = np.stack([load_audio(os.path.join(args.split, s), cfg.sample_rate, mono=False)
                         for s in item["sources"]])
        if refs.shape[2] != 2:
            raise SystemExit(f"{item['id']}: not stereo")
        mono = refs.mean(axis=2)
        mix = mono.sum(0)
        st = refs.sum(0)
        X = dsp.stft(torch.from_numpy(mix), cfg.n_fft, cfg.hop)
        L, R = (dsp.stft(torch.from_numpy(np.ascontiguousarray(st[:, c])), cfg.n_fft, cfg.hop).abs().numpy()
                for c in (0, 1))
        mag = X.abs()
        with torch.no_grad():
            V = model(torch.log(mag + cfg.eps)[None])[0].numpy()
        feat = ild_feature(L, R)
        line = [item["id"]]
        for lam in args.lambdas:
            masks = augmented_masks(V, feat, mag.numpy(), len(mono), lam, cfg.silence_db, seed=i)
            est = dsp.istft(X[None] * torch.from_numpy(masks), cfg.n_fft, cfg.hop, len(mix)).numpy()
            imp = score(est, mono, mix, with_sdr=False)["sisdri"]
            scores[lam].append(imp)
            line.append(f"lam {lam:g}: {imp:+.2f}")
        print("  ".join(line), flush=True)
    for lam in args.lambdas:
        s = scores[lam]
        print(f"lam {lam:g}: mean SI-SDRi {np.mean(s):+.2f} dB, positive on {sum(x > 0 for x in s)} of {len(s)}")


if __name__ == "__main__":
    main()
