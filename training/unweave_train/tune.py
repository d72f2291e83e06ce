"""Choose the inference settings (mask softness beta, the activity threshold and the weights of
the k-means fit) on the validation splits, never on the test splits.

/usr/bin/python3 -m unweave_train.data.testsets --val          # writes cache/valsets once
/usr/bin/python3 -m unweave_train.tune --checkpoint checkpoints/unweave-dc.pt \
    --valsets cache/valsets --out runs/tune-0.2.0

For every mixture the embeddings are computed once; for every (threshold, weighting) the k-means
fit is redone (same seed), and for every beta the soft masks of those centroids are scored
(SI-SDR improvement with k = the true number of sources, as evaluate.py). Prints one table per
split and the mean over splits of the fraction of the IBM's improvement; writes tune.json.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Optional

import numpy as np
import torch

from .evaluate import (apply_masks, fit_centroids, load_mixture, load_model, masks_from_centroids,
                       oracle_masks)
from .metrics import score


def true_partition_centroids(V: np.ndarray, mag: np.ndarray, S: np.ndarray, silence_db: float) -> np.ndarray:
    """Centroids [k, D] that k-means would reach on the true partition: per source, the
    magnitude-weighted mean embedding of the active bins it dominates (a diagnostic upper bound
    of the clustering step; losses.cluster_mask_loss trains with them)."""
    active = mag > mag.max() * 10 ** (-silence_db / 20)
    lab = S.argmax(0)
    out = []
    for j in range(S.shape[0]):
        sel = active & (lab == j)
        w = mag[sel]
        out.append((V[sel] * w[:, None]).sum(0) / max(float(w.sum()), 1e-12))
    return np.stack(out)


def tune_split(model, split_dir: str, betas: list, thresholds: list, weightings: list,
               limit: Optional[int] = None, true_partition: bool = False) -> dict:
    """{setting: [SI-SDRi per mixture]} plus 'ibm'; a setting is 'thr/weighting/beta' (beta
    'hard' for hard masks); with true_partition also 'true/beta' (true_partition_centroids at
    the first threshold)."""
    cfg = model.cfg
    with open(os.path.join(split_dir, "manifest.json")) as f:
        man = json.load(f)
    out: dict = {"ibm": []}
    for i, item in enumerate(man["mixtures"][:limit]):
        refs, mix, X, S = load_mixture(split_dir, item, cfg)
        n, k = len(mix), refs.shape[0]
        out["ibm"].append(score(apply_masks(X, oracle_masks(S, "ibm"), cfg, n), refs, mix, False)["sisdri"])
        mag = X.abs().numpy()
        with torch.no_grad():
            V = model(torch.log(X.abs() + cfg.eps)[None])[0].numpy()
        for thr in thresholds:
            for wt in weightings:
                c = fit_centroids(V, mag, k, thr, wt, seed=i)
                for b in betas:
                    key = f"{thr:g}/{wt}/{b}"
                    if c is None:
                        masks = np.full((k,) + mag.shape, 1.0 / k, dtype=np.float32)
                    elif b == "hard":
                        masks = masks_from_centroids(V, c, "hard")
                    else:
                        masks = masks_from_centroids(V, c, "soft", beta=float(b))
                    out.setdefault(key, []).append(
                        score(apply_masks(X, masks, cfg, n), refs, mix, False)["sisdri"])
        if true_partition:
            c = true_partition_centroids(V, mag, S, thresholds[0])
            for b in betas:
                masks = (masks_from_centroids(V, c, "hard") if b == "hard"
                         else masks_from_centroids(V, c, "soft", beta=float(b)))
                out.setdefault(f"true/{b}", []).append(
                    score(apply_masks(X, masks, cfg, n), refs, mix, False)["sisdri"])
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description="Choose inference settings on the validation splits")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--valsets", required=True)
    p.add_argument("--splits", nargs="*", default=None)
    p.add_argument("--betas", nargs="*", default=["1", "2", "3", "4", "5", "7", "10", "hard"])
    p.add_argument("--thresholds", nargs="*", type=float, default=[40.0])
    p.add_argument("--weightings", nargs="*", default=["mag"])
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--true-partition", action="store_true",
                   help="also score the centroids of the true partition (diagnostic, not a setting)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    model = load_model(args.checkpoint)
    splits = args.splits or sorted(d for d in os.listdir(args.valsets)
                                   if os.path.exists(os.path.join(args.valsets, d, "manifest.json")))
    res, frac = {}, {}
    for sp in splits:
        r = tune_split(model, os.path.join(args.valsets, sp), args.betas, args.thresholds,
                       args.weightings, args.limit, args.true_partition)
        ibm = float(np.mean(r["ibm"]))
        res[sp] = {key: float(np.mean(v)) for key, v in r.items()}
        print(f"## {sp} (IBM {ibm:.2f} dB)")
        for key, v in res[sp].items():
            if key != "ibm":
                frac.setdefault(key, []).append(v / ibm)
                print(f"  {key:>22}  {v:6.2f} dB  {v / ibm:5.2f} x IBM", flush=True)
    print("## mean fraction of the IBM over splits")
    best = max((key for key in frac if not key.startswith("true/")), key=lambda key: np.mean(frac[key]))
    for key, v in frac.items():
        print(f"  {key:>22}  {np.mean(v):5.3f}{'  <- best' if key == best else ''}")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "tune.json"), "w") as f:
            json.dump({"checkpoint": args.checkpoint, "splits": res,
                       "mean_fraction": {key: float(np.mean(v)) for key, v in frac.items()},
                       "best": best}, f, indent=1)


if __name__ == "__main__":
    main()
