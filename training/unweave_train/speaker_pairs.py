"""Diagnostic: how well a checkpoint separates chosen pairs of talkers.

/usr/bin/python3 -m unweave_train.speaker_pairs --checkpoint checkpoints/unweave-dc.pt \
    --pair train cs:m cs:v --pair test nl:m nl:v --pair val tux:da tux:el

For each pair (split, speaker, speaker): `--mixtures` two-talker mixtures of `--seconds`, drawn
as the training sampler draws speech (loudness-normalised, +-5 dB), scored like evaluate.py
(soft masks, k = 2) beside the IBM. Tells a model that has not learned speech at all (training
speakers fail too) from one that has not generalised (only unseen speakers fail).
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from scipy.signal import fftconvolve

from .data.chain import apply_chain, room_ir
from .data.mixtures import MixtureSampler
from .evaluate import apply_masks, load_model, mixture_stfts, model_masks, oracle_masks
from .metrics import score


def pair_sampler(cache: str, split: str, speakers: list[str]) -> MixtureSampler:
    """A speech-only sampler of `split` restricted to `speakers` (drawn uniformly)."""
    s = MixtureSampler(cache, split, music_banks=(), trio_banks=(), speech_split=split)
    missing = [w for w in speakers if w not in s.speakers]
    if missing:
        raise SystemExit(f"not in split {split!r}: {', '.join(missing)} (has: {', '.join(s.speakers)})")
    keep = [s.speakers.index(w) for w in speakers]
    s.speakers = [s.speakers[i] for i in keep]
    s.streams = [s.streams[i] for i in keep]
    s.speaker_p = None
    return s


def colour(refs: np.ndarray, sr: int, chain: dict | None, room: tuple | None = None,
           seed: int = 0) -> np.ndarray:
    """refs [C, n] in a room (room = (rt60 s, wet dB): each talker its own data.chain.room_ir
    tail, 10 ms pre-delay) and then through one recording chain (data.chain), rescaled so the
    mixture keeps its peak; unchanged without either."""
    if not chain and not room:
        return refs
    out = refs.astype(np.float64)
    if room:
        rng = np.random.default_rng([seed, 77])
        out = np.stack([fftconvolve(s, room_ir(rng, sr, room[0], room[1], 0.01))[: s.shape[0]]
                        for s in out])
    if chain:
        out = apply_chain(out, sr, **chain)
    peak, new = np.abs(refs.sum(0)).max(), np.abs(out.sum(0)).max()
    return (out * (peak / new if new > 0 else 1.0)).astype(np.float32)


def score_pair(model, sampler: MixtureSampler, mixtures: int, seconds: float, seed: int = 5,
               chain: dict | None = None, room: tuple | None = None) -> dict:
    """Mean soft-mask SI-SDRi of `mixtures` two-talker mixtures (and the IBM's); with `chain`
    (keyword arguments of data.chain.chain_gain_db) both talkers pass through that chain, with
    `room` (rt60, wet dB) they are first placed in that room (see colour)."""
    cfg = model.cfg
    n = int(seconds * cfg.sample_rate)
    rng = np.random.default_rng(seed)
    res, ibm = [], []
    for i in range(mixtures):
        refs = colour(sampler.sample(rng, "speech", n, k=2), cfg.sample_rate, chain, room, seed=i)
        mix, X, S = mixture_stfts(refs, cfg)
        masks = model_masks(model, X, 2, seed=i, kinds=("soft",))["soft"]
        res.append(score(apply_masks(X, masks, cfg, n), refs, mix, False)["sisdri"])
        ibm.append(score(apply_masks(X, oracle_masks(S, "ibm"), cfg, n), refs, mix, False)["sisdri"])
    return {"model": float(np.mean(res)), "ibm": float(np.mean(ibm)), "min": float(np.min(res))}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description="Separation of chosen pairs of talkers")
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--cache", default="cache")
    p.add_argument("--pair", nargs=3, action="append", required=True,
                   metavar=("SPLIT", "SPEAKER", "SPEAKER"))
    p.add_argument("--mixtures", type=int, default=10)
    p.add_argument("--seconds", type=float, default=6.0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--chain", nargs=2, type=float, default=None, metavar=("LOWPASS_HZ", "ORDER"),
                   help="pass both talkers through a low-pass recording chain (data.chain)")
    p.add_argument("--room", nargs=2, type=float, default=None, metavar=("RT60_S", "WET_DB"),
                   help="place both talkers in a room first (each its own reverberant tail)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    model = load_model(args.checkpoint)
    chain = ({"lowpass_hz": args.chain[0], "lowpass_order": args.chain[1]} if args.chain else None)
    for split, a, b in args.pair:
        r = score_pair(model, pair_sampler(args.cache, split, [a, b]), args.mixtures, args.seconds,
                       chain=chain, room=tuple(args.room) if args.room else None)
        what = "".join([f" (room {args.room})" if args.room else "",
                        f" (chain {args.chain})" if chain else ""])
        print(f"{split:>5} {a} + {b}{what}: model {r['model']:.2f} dB SI-SDRi (worst {r['min']:.2f}), "
              f"IBM {r['ibm']:.2f}", flush=True)


if __name__ == "__main__":
    main()
