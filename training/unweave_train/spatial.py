"""The stereo cue: a level-difference coordinate beside the embeddings in the k-means.

    cd training && /usr/bin/python3 -m unweave_train.spatial --checkpoint checkpoints/unweave-dc.pt \
        --splits cache/valsets-stereo/val_stereo_lead cache/valsets-stereo/val_stereo_band2 \
                 cache/valsets-stereo/val_stereo_band3 --out runs/stereo-val.json

The network sees the mono downmix. Here each time-frequency bin's vector for the k-means is the
embedding with one more coordinate, lam * ILD / 20 dB (clipped to [-1, 1]; or its absolute
value, feature 'abs'), ILD being the level difference between the left and right STFTs of the
stereo mixture at the model's rate; the vector is renormalised, and the masks are the app's soft
masks (softmax of 5 x cosine) of the augmented vectors. lam = 0 is the evaluation's own
inference. The engine implements the signed feature (src/engine/stereo.ts, `stereoCue`).

It prints, per feature and lam, the mean SI-SDR improvement (mono references, as evaluate.py)
per split and over all mixtures, the fraction of the IBM's, and the paired change against lam = 0
with its standard error. Choose the weight on the stereo validation splits (`data.testsets
--stereo-val`); the Frets on Fire songs (`cache/testsets/fof`) are test material.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Optional

import numpy as np
import torch

from . import dsp
from .evaluate import fit_centroids, load_audio, load_model, masks_from_centroids, oracle_masks
from .metrics import score

ILD_RANGE_DB = 20.0


def ild_feature(left_mag: np.ndarray, right_mag: np.ndarray, signed: bool = True,
                eps: float = 1e-8) -> np.ndarray:
    """20 log10(|L| / |R|) / 20 dB clipped to [-1, 1] (signed: +1 for a bin 20 dB or more to the
    left), or its absolute value. Shapes [T, F] -> [T, F]."""
    ild = np.clip(20.0 * np.log10((left_mag + eps) / (right_mag + eps)) / ILD_RANGE_DB, -1.0, 1.0)
    return ild if signed else np.abs(ild)


def augmented_masks(V: np.ndarray, feat: np.ndarray, mag: np.ndarray, k: int, lam: float,
                    silence_db: float, seed: int = 0) -> np.ndarray:
    """Soft masks [k, T, F] from k-means on [V, lam * feat] (V [T, F, D] unit-norm, feat [T, F]),
    fitted as the evaluation fits the embeddings (active bins, magnitude weights)."""
    A = np.concatenate([V, lam * feat[..., None]], axis=-1)
    An = A / np.maximum(np.linalg.norm(A, axis=-1, keepdims=True), 1e-12)
    c = fit_centroids(An, mag, k, silence_db, "mag", seed)
    if c is None:
        return np.full((k,) + mag.shape, 1.0 / k, dtype=np.float32)
    return masks_from_centroids(An.astype(np.float32), c, "soft")


def _paired(base: list, other: list) -> tuple[float, float]:
    d = np.asarray(other, dtype=np.float64) - np.asarray(base, dtype=np.float64)
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")


def main(argv: Optional[list] = None) -> None:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = argparse.ArgumentParser(description="Score the stereo cue's weights on stereo splits")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--splits", nargs="+", default=[os.path.join(root, "cache", "testsets", "fof")],
                   help="split folders with stereo sources (default: Frets on Fire, test)")
    p.add_argument("--features", nargs="+", default=["signed"], choices=["signed", "abs"])
    p.add_argument("--lambdas", type=float, nargs="+", default=[0.0, 0.5, 1.0, 2.0, 4.0])
    p.add_argument("--limit", type=int, default=None, help="mixtures per split")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default=None, help="JSON of every score")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    model = load_model(args.checkpoint)
    cfg = model.cfg
    settings = [("signed", 0.0)] + [(f, lam) for f in args.features for lam in args.lambdas if lam != 0]
    rows = []
    for split in args.splits:
        with open(os.path.join(split, "manifest.json")) as f:
            man = json.load(f)
        for i, item in enumerate(man["mixtures"][: args.limit]):
            refs = np.stack([load_audio(os.path.join(split, s), cfg.sample_rate, mono=False)
                             for s in item["sources"]])
            if refs.shape[2] != 2:
                raise SystemExit(f"{item['id']}: not stereo")
            mono = refs.mean(axis=2)
            mix = mono.sum(0)
            st = refs.sum(0)
            X = dsp.stft(torch.from_numpy(mix), cfg.n_fft, cfg.hop)
            L, R = (dsp.stft(torch.from_numpy(np.ascontiguousarray(st[:, c])), cfg.n_fft, cfg.hop).abs().numpy()
                    for c in (0, 1))
            S = dsp.stft(torch.from_numpy(mono), cfg.n_fft, cfg.hop).abs().numpy()
            mag = X.abs()
            with torch.no_grad():
                V = model(torch.log(mag + cfg.eps)[None])[0].numpy()
            ibm = dsp.istft(X[None] * torch.from_numpy(oracle_masks(S, "ibm")), cfg.n_fft, cfg.hop,
                            len(mix)).numpy()
            row = {"split": man["split"], "id": item["id"],
                   "ibm": score(ibm, mono, mix, with_sdr=False)["sisdri"]}
            feats = {f: ild_feature(L, R, f == "signed") for f in ("signed", "abs")}
            line = [item["id"], f"ibm {row['ibm']:+.2f}"]
            for feat, lam in settings:
                masks = augmented_masks(V, feats[feat], mag.numpy(), len(mono), lam, cfg.silence_db, seed=i)
                est = dsp.istft(X[None] * torch.from_numpy(masks), cfg.n_fft, cfg.hop, len(mix)).numpy()
                row[f"{feat}:{lam:g}"] = score(est, mono, mix, with_sdr=False)["sisdri"]
                line.append(f"{feat} {lam:g}: {row[f'{feat}:{lam:g}']:+.2f}")
            rows.append(row)
            print("  ".join(line), flush=True)
    splits = sorted({r["split"] for r in rows}, key=[r["split"] for r in rows].index)
    summary = []
    base = [r["signed:0"] for r in rows]
    print("\n| setting | " + " | ".join(splits) + " | all: SI-SDRi | x IBM | change vs 0 | positive |")
    print("|---|" + "---|" * (len(splits) + 4))
    ibm_all = float(np.mean([r["ibm"] for r in rows]))
    for feat, lam in settings:
        key = f"{feat}:{lam:g}"
        vals = [r[key] for r in rows]
        per = {sp: float(np.mean([r[key] for r in rows if r["split"] == sp])) for sp in splits}
        d, se = _paired(base, vals)
        s = {"feature": feat, "lambda": lam, "perSplit": per, "sisdri": float(np.mean(vals)),
             "fractionOfIbm": float(np.mean(vals)) / ibm_all, "change": d, "changeSe": se,
             "positive": int(sum(v > 0 for v in vals)), "mixtures": len(vals)}
        summary.append(s)
        print(f"| {feat} {lam:g} | " + " | ".join(f"{per[sp]:+.2f}" for sp in splits) +
              f" | {s['sisdri']:+.2f} | {s['fractionOfIbm']:.3f} | {d:+.2f} +- {se:.2f} | "
              f"{s['positive']} of {len(vals)} |", flush=True)
    best = max(summary, key=lambda s: s["sisdri"])
    print(f"best: {best['feature']} {best['lambda']:g} ({best['sisdri']:+.2f} dB, "
          f"{best['change']:+.2f} +- {best['changeSe']:.2f} against no cue)")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"checkpoint": args.checkpoint, "splits": args.splits, "ibm": ibm_all,
                       "summary": summary, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
