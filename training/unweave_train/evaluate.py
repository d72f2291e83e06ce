"""Evaluate a model on the test splits, beside the oracle IBM / IRM and the mixture.

/usr/bin/python3 -m unweave_train.evaluate --checkpoint runs/dc_blstm/best.pt \
    --testsets cache/testsets --out runs/dc_blstm/eval

k = the true number of sources. Model masks: k-means (k-means++, restarts) on the embeddings of
the active bins (within silence_db of the maximum), then, as the app and the CLI do by default,
soft masks softmax_s(beta * cos(v, c_s)) with beta = 5 (src/engine/masks/masks.ts DEFAULT_BETA);
also scored: hard masks (every bin to its nearest centroid), the published DPCL's inference.
Masks are applied to the mixture STFT, iSTFT. Everything at the model's rate, mono.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from math import gcd
from typing import Optional

import numpy as np
import soundfile as sf
import torch
from scipy.signal import resample_poly

from . import dsp
from .config import ModelConfig
from .metrics import BssEval, score
from .models import DeepClusteringNet, read_checkpoint


def load_audio(path: str, sr: int, mono: bool = True) -> np.ndarray:
    """float32 at sr: mono [n], or with mono=False every channel [n, channels]."""
    x, fs = sf.read(path, dtype="float32", always_2d=True)
    if mono:
        x = x.mean(axis=1)
    if fs != sr:
        g = gcd(int(fs), int(sr))
        x = resample_poly(x, sr // g, int(fs) // g, axis=0).astype(np.float32)
    return x


def kmeans(x: np.ndarray, k: int, rng: np.random.Generator, iters: int = 30, restarts: int = 3,
           weights: Optional[np.ndarray] = None) -> np.ndarray:
    """Weighted k-means with k-means++ seeding and restarts: x [N, D] -> centroids [k, D]."""
    N = x.shape[0]
    w = np.ones(N) if weights is None else weights
    best, best_c = np.inf, None
    for _ in range(restarts):
        c = [x[rng.choice(N, p=w / w.sum())]]
        for _ in range(1, k):
            d = np.min(((x[:, None, :] - np.array(c)[None]) ** 2).sum(-1), axis=1) * w
            c.append(x[rng.choice(N, p=d / d.sum())] if d.sum() > 0 else x[rng.integers(N)])
        c = np.array(c)
        for _ in range(iters):
            d = ((x[:, None, :] - c[None]) ** 2).sum(-1)
            lab = d.argmin(1)
            newc = np.array([np.average(x[lab == j], axis=0, weights=w[lab == j])
                             if np.any(lab == j) else c[j] for j in range(k)])
            if np.allclose(newc, c, atol=1e-6):
                c = newc
                break
            c = newc
        inertia = float((((x - c[lab]) ** 2).sum(-1) * w).sum())
        if inertia < best:
            best, best_c = inertia, c
    return best_c


SOFT_BETA = 5.0  # the engine's DEFAULT_BETA


def masks_from_centroids(V: np.ndarray, c: np.ndarray, kind: str, beta: float = SOFT_BETA) -> np.ndarray:
    """Masks [k, T, F] of embeddings V [T, F, D] for centroids c [k, D]: 'hard' (nearest centroid
    by cosine) or 'soft' (softmax over sources of beta * cosine). Each bin's masks sum to 1."""
    T, F, D = V.shape
    k = c.shape[0]
    cu = c / np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-12)
    cos = V.reshape(-1, D) @ cu.T  # [T*F, k]
    if kind == "hard":
        lab = cos.argmax(1).reshape(T, F)
        return np.stack([(lab == j) for j in range(k)]).astype(np.float32)
    z = beta * (cos - cos.max(1, keepdims=True))
    e = np.exp(z)
    e /= e.sum(1, keepdims=True)
    return np.ascontiguousarray(e.T.reshape(k, T, F)).astype(np.float32)


def fit_centroids(V: np.ndarray, mag: np.ndarray, k: int, silence_db: float, weighting: str = "mag",
                  seed: int = 0, max_points: int = 30000) -> Optional[np.ndarray]:
    """k-means centroids [k, D] of the embeddings V [T, F, D] of the bins within silence_db of the
    loudest (a random subsample of max_points at most), weighted by 'mag' (magnitude, as the
    engine), 'none' or 'logmag' (dB above the threshold). None when fewer than k bins are active."""
    thr = mag.max() * 10 ** (-silence_db / 20)
    active = mag > thr
    pts = V[active]
    if weighting == "mag":
        w = mag[active]
    elif weighting == "none":
        w = np.ones(len(pts))
    elif weighting == "logmag":
        w = 20 * np.log10(mag[active] / thr)
    else:
        raise ValueError(weighting)
    rng = np.random.default_rng(seed)
    if len(pts) > max_points:
        idx = rng.choice(len(pts), max_points, replace=False)
        pts, w = pts[idx], w[idx]
    if len(pts) < k:
        return None
    return kmeans(pts.astype(np.float64), k, rng, weights=w.astype(np.float64) + 1e-12)


def model_masks(model: DeepClusteringNet, X: torch.Tensor, k: int, seed: int = 0,
                max_points: int = 30000, kinds: tuple = ("hard",)) -> dict:
    """Masks {kind: [k, T, F]} from the model's embeddings of the mixture STFT X [T, F]."""
    cfg = model.cfg
    mag = X.abs()
    with torch.no_grad():
        V = model(torch.log(mag + cfg.eps)[None])[0].numpy()  # [T, F, D]
    m = mag.numpy()
    c = fit_centroids(V, m, k, cfg.silence_db, "mag", seed, max_points)
    if c is None:
        return {kind: np.full((k,) + m.shape, 1.0 / k, dtype=np.float32) for kind in kinds}
    return {kind: masks_from_centroids(V, c, kind) for kind in kinds}


def oracle_masks(S: np.ndarray, kind: str) -> np.ndarray:
    """IBM (argmax of |S_i|) or IRM (|S_i| / sum |S_j|) from source STFT magnitudes [k, T, F]."""
    if kind == "ibm":
        lab = S.argmax(0)
        return np.stack([(lab == j) for j in range(S.shape[0])]).astype(np.float32)
    return (S / np.maximum(S.sum(0, keepdims=True), 1e-12)).astype(np.float32)


def apply_masks(X: torch.Tensor, masks: np.ndarray, cfg: ModelConfig, n: int) -> np.ndarray:
    return dsp.istft(X[None] * torch.from_numpy(masks), cfg.n_fft, cfg.hop, n).numpy()


def mixture_stfts(refs: np.ndarray, cfg: ModelConfig):
    """Sources [k, n] -> their sum, the mixture STFT X [T, F] and the sources' STFT magnitudes
    S [k, T, F]."""
    mix = refs.sum(0)
    X = dsp.stft(torch.from_numpy(mix), cfg.n_fft, cfg.hop)
    S = dsp.stft(torch.from_numpy(refs), cfg.n_fft, cfg.hop).abs().numpy()
    return mix, X, S


def load_mixture(split_dir: str, item: dict, cfg: ModelConfig):
    """One manifest item at the model's rate: sources [k, n] and mixture_stfts of them (their sum
    is the mix file up to rounding)."""
    refs = np.stack([load_audio(os.path.join(split_dir, s), cfg.sample_rate) for s in item["sources"]])
    return (refs,) + mixture_stfts(refs, cfg)


def evaluate_split(model: Optional[DeepClusteringNet], split_dir: str, cfg: ModelConfig,
                   with_sdr: bool = True, limit: Optional[int] = None, log=print) -> dict:
    with open(os.path.join(split_dir, "manifest.json")) as f:
        man = json.load(f)
    # Oracle scores depend only on the split and the grid: cache them beside the manifest.
    okey = f"{cfg.sample_rate}-{cfg.n_fft}-{cfg.hop}-{'sdr' if with_sdr else 'nosdr'}"
    opath = os.path.join(split_dir, f"oracle-{okey}.json")
    oracle = {}
    if os.path.exists(opath):
        with open(opath) as f:
            oracle = json.load(f)
    rows = []
    for i, item in enumerate(man["mixtures"][:limit]):
        refs, mix, X, S = load_mixture(split_dir, item, cfg)
        n, k = len(mix), refs.shape[0]
        row = {"id": item["id"], "category": item.get("category", man.get("category")), "k": k}
        bss = None
        if with_sdr and (model is not None or item["id"] not in oracle):
            bss = BssEval(refs)
        if item["id"] in oracle:
            row.update(oracle[item["id"]])
        else:
            for name, masks in (("ibm", oracle_masks(S, "ibm")), ("irm", oracle_masks(S, "irm"))):
                row[name] = score(apply_masks(X, masks, cfg, n), refs, mix, with_sdr, bss)
            oracle[item["id"]] = {"ibm": row["ibm"], "irm": row["irm"]}
            with open(opath, "w") as f:
                json.dump(oracle, f)
        if model is not None:
            masks = model_masks(model, X, k, seed=i, kinds=("soft", "hard"))
            row["model"] = score(apply_masks(X, masks["soft"], cfg, n), refs, mix, with_sdr, bss)
            row["model_hard"] = score(apply_masks(X, masks["hard"], cfg, n), refs, mix, False)
        rows.append(row)
    return {"split": man["split"], "category": man.get("category"), "rows": rows}


def summarise(res: dict) -> dict:
    rows = res["rows"]
    out = {"split": res["split"], "category": res["category"], "mixtures": len(rows),
           "sources": int(np.median([r["k"] for r in rows])) if rows else 0}
    for m in ("model", "model_hard", "ibm", "irm"):
        if rows and m in rows[0]:
            for key in ("sisdri", "sdri"):
                if key in rows[0][m]:
                    out[f"{key}_{m}"] = float(np.mean([r[m][key] for r in rows]))
    if rows:
        out["sisdr_mix"] = float(np.mean([r["ibm"]["sisdr_mix"] for r in rows]))
        if "model" in rows[0]:
            out["min_sisdri_model"] = float(np.min([r["model"]["sisdri"] for r in rows]))
            if out.get("sisdri_ibm", 0) > 0:
                out["fraction_of_ibm"] = out["sisdri_model"] / out["sisdri_ibm"]
                if "sisdri_model_hard" in out:
                    out["fraction_of_ibm_hard"] = out["sisdri_model_hard"] / out["sisdri_ibm"]
    return out


def model_scores(summaries: list[dict]) -> list[dict]:
    """ModelScore entries (src/shared/model.ts) from split summaries."""
    out = []
    for s in summaries:
        e = {"split": s["split"], "mixtures": s["mixtures"], "sources": s["sources"],
             "sisdriModel": round(s.get("sisdri_model", float("nan")), 2),
             "sisdriIbm": round(s["sisdri_ibm"], 2), "sisdriIrm": round(s["sisdri_irm"], 2)}
        if "sisdri_model_hard" in s:
            e["sisdriModelHard"] = round(s["sisdri_model_hard"], 2)
        if "sdri_model" in s:
            e["sdriModel"] = round(s["sdri_model"], 2)
        if "sdri_ibm" in s:
            e["sdriIbm"] = round(s["sdri_ibm"], 2)
        out.append(e)
    return out


def markdown_table(summaries: list[dict]) -> str:
    lines = ["| split | category | k | mixtures | mixture SI-SDR | model SI-SDRi | IBM SI-SDRi | "
             "IRM SI-SDRi | model/IBM | model SDRi | IBM SDRi | IRM SDRi | worst model SI-SDRi | "
             "hard-mask SI-SDRi | hard/IBM |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    f = lambda v: "" if v is None else f"{v:.2f}"  # noqa: E731
    for s in summaries:
        lines.append("| " + " | ".join([
            s["split"], str(s["category"]), str(s["sources"]), str(s["mixtures"]), f(s.get("sisdr_mix")),
            f(s.get("sisdri_model")), f(s.get("sisdri_ibm")), f(s.get("sisdri_irm")),
            f(s.get("fraction_of_ibm")), f(s.get("sdri_model")), f(s.get("sdri_ibm")),
            f(s.get("sdri_irm")), f(s.get("min_sisdri_model")), f(s.get("sisdri_model_hard")),
            f(s.get("fraction_of_ibm_hard"))]) + " |")
    return "\n".join(lines)


def load_model(path: str) -> DeepClusteringNet:
    ck = read_checkpoint(path)
    model = DeepClusteringNet(ModelConfig.from_dict(ck["model_config"]))
    sd = {k: v.float() if v.is_floating_point() else v for k, v in ck["model"].items()}
    model.load_state_dict(sd)
    return model.eval()


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description="Evaluate a checkpoint on the test splits")
    p.add_argument("--checkpoint", default=None, help="omit to score only the oracles")
    p.add_argument("--testsets", default=os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "cache", "testsets"))
    p.add_argument("--splits", nargs="*", default=None)
    p.add_argument("--out", default=None, help="folder for eval.json and eval.md")
    p.add_argument("--no-sdr", action="store_true", help="skip BSS-Eval SDR (faster)")
    p.add_argument("--limit", type=int, default=None, help="mixtures per split")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    model = load_model(args.checkpoint) if args.checkpoint else None
    cfg = model.cfg if model is not None else ModelConfig()
    splits = args.splits or sorted(d for d in os.listdir(args.testsets)
                                   if os.path.exists(os.path.join(args.testsets, d, "manifest.json")))
    order = ["trio_pieces", "trio_bank", "music2", "music3", "music4", "speech2", "fof"]
    splits.sort(key=lambda s: order.index(s) if s in order else 99)
    summaries, results = [], []
    for sp in splits:
        t0 = time.time()
        res = evaluate_split(model, os.path.join(args.testsets, sp), cfg, not args.no_sdr, args.limit)
        s = summarise(res)
        s["seconds"] = round(time.time() - t0, 1)
        summaries.append(s)
        results.append(res)
        print(json.dumps(s), flush=True)
    table = markdown_table(summaries)
    print(table)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "eval.json"), "w") as f:
            json.dump({"checkpoint": args.checkpoint, "summaries": summaries, "results": results}, f, indent=1)
        with open(os.path.join(args.out, "scores.json"), "w") as f:
            json.dump(model_scores(summaries), f, indent=1)
        with open(os.path.join(args.out, "eval.md"), "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
