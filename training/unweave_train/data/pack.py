"""Compact training material for a short run on a lent GPU machine, which reaches no package
archive and takes at most 64 MiB of files with it (the repository included).

    python3 -m unweave_train.data.pack --recipe recipes/dc_v1/config.json --out runs/gpu/pack.npz
    python3 -m unweave_train.data.pack --unpack runs/gpu/pack.npz --cache /tmp/gpu-cache

The pack holds one seeded window of every training (and validation) talker's stream and of as
many rendered pieces of the recipe's banks as the budget allows, in the byte shares of the
recipe's mix_probs: the same kinds of material the long run draws from, far less of each. Audio
is stored as 8-bit mu-law (each window scaled to its own peak; ~38 dB SNR, below what the
network's 40 dB silence threshold resolves), in one compressed .npz with the cache's own metadata.
Unpacked, it is a cache folder in the cache's layout (float16 .npy + .json per stream or piece),
so the trainer and its sampler run on it unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Optional

import numpy as np

from . import corpus
from . import render as render_mod
from . import speech as speech_mod
from .mixtures import DEFAULT_BANKS, active_channels

MU = 255.0
SR = 16000


def mu_law_encode(x: np.ndarray) -> tuple[np.ndarray, float]:
    """x (any shape, float) -> (uint8 codes, scale): codes of x / scale, scale = peak |x|."""
    scale = float(np.max(np.abs(x))) if x.size else 0.0
    y = np.asarray(x, dtype=np.float64) / (scale if scale > 0 else 1.0)
    c = np.sign(y) * np.log1p(MU * np.abs(y)) / np.log1p(MU)
    return np.round((c + 1.0) * 127.5).astype(np.uint8), scale


def mu_law_decode(codes: np.ndarray, scale: float) -> np.ndarray:
    c = codes.astype(np.float64) / 127.5 - 1.0
    return (np.sign(c) * np.expm1(np.abs(c) * np.log1p(MU)) / MU * scale).astype(np.float32)


def _window(arr: np.ndarray, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """A seeded window of `seconds` of arr ([n] or [C, n]), the whole when shorter."""
    n = int(seconds * SR)
    total = arr.shape[-1]
    start = int(rng.integers(0, total - n + 1)) if total > n else 0
    return np.asarray(arr[..., start : start + n], dtype=np.float32)


def _renders(cache: str, recipe: dict, split: str) -> dict[str, list[dict]]:
    """kind -> rendered pieces of `split` in the banks the trainer draws that split from (kind:
    'trio', 'music', 'lead'): the recipe's for training, the sampler's default for validation."""
    music = recipe.get("music_banks", list(DEFAULT_BANKS)) if split == "train" else DEFAULT_BANKS
    trio = recipe.get("trio_banks", list(DEFAULT_BANKS)) if split == "train" else DEFAULT_BANKS
    lead = music if recipe.get("train", {}).get("mix_probs", {}).get("lead", 0) > 0 else []
    out = {}
    for kind, mode, banks in (("trio", "trio", trio), ("music", "orig", music), ("lead", "lead", lead)):
        out[kind] = [dict(e, bank_dir=os.path.basename(render_mod.render_dir(cache, b, mode)))
                     for b in banks for e in render_mod.load_rendered(cache, b, mode, split)]
    return out


def pack(cache: str, recipe: dict, out: str, mib: float = 24.0, seed: int = 2026,
         val_share: float = 0.12, min_seconds: float = 8.0, min_items: int = 3,
         log=print) -> dict:
    """Write the pack to `out` (atomically); returns its index. The byte budget `mib` is shared
    out: val_share to the validation split, the rest by the recipe's mix_probs (speech, trio,
    music, lead); within a kind every item gets the same window length, at least min_seconds
    (longer than a training chunk), and a seeded subset of at least min_items of them when the
    budget cannot give all of them that much."""
    rng = np.random.default_rng(seed)
    probs = recipe.get("train", {}).get("mix_probs", {"speech": 1.0})
    budget = mib * 2**20
    arrays: dict[str, np.ndarray] = {}
    index: list[dict] = []
    speech_meta = {m["speaker"]: m for m in speech_mod.stream_metadata(cache)}
    for split, share in (("train", 1.0 - val_share), ("val", val_share)):
        items: dict[str, list[tuple[str, dict, np.ndarray]]] = {k: [] for k in probs}
        streams = speech_mod.load_streams(cache, split)
        items["speech"] = [("speech", speech_meta[s], np.load(p, mmap_mode="r"))
                           for s, p in sorted(streams.items())]
        for kind, entries in _renders(cache, recipe, split).items():
            items[kind] = [(e["bank_dir"], e, np.load(e["npy"], mmap_mode="r")) for e in entries]
        kinds = [k for k in probs if probs[k] > 0 and items.get(k)]
        total_p = sum(probs[k] for k in kinds)
        for kind in kinds:
            group = items[kind]
            channels = [1 if a.ndim == 1 else a.shape[0] for _, _, a in group]
            kind_bytes = budget * share * probs[kind] / total_p
            seconds = kind_bytes / (SR * sum(channels))
            if seconds < min_seconds:
                # Fewer items, each long enough to draw training chunks from (min_items of them
                # even when that overruns the budget).
                keep = min(len(group), max(min_items, int(len(group) * seconds / min_seconds)))
                pick = np.sort(rng.choice(len(group), size=keep, replace=False))
                group = [group[i] for i in pick]
                seconds = max(min_seconds, kind_bytes / (SR * sum(channels[i] for i in pick)))
            if kind == "speech":
                seconds = max(seconds, speech_mod.MIN_STREAM_SECONDS + 0.5)
            for sub, meta, arr in group:
                x = _window(arr, seconds, rng)
                if x.ndim == 2 and kind != "lead":
                    # Only the channels that play in this window (a lead render keeps its
                    # channel 0, the guitar).
                    x = x[active_channels(x)]
                if x.size == 0 or x.shape[-1] < SR:
                    continue
                codes, scale = mu_law_encode(x)
                key = f"a{len(index)}"
                arrays[key] = codes
                m = {k: v for k, v in meta.items() if k not in ("npy", "bank_dir")}
                if kind == "speech":
                    m["seconds"] = round(x.shape[-1] / SR, 4)
                index.append({"key": key, "dir": "speech" if kind == "speech" else os.path.join("render", sub),
                              "name": (meta["speaker"] if kind == "speech" else meta["id"]),
                              "kind": kind, "split": split, "scale": scale, "meta": m})
            log(f"{split} {kind}: {sum(1 for e in index if e['kind'] == kind and e['split'] == split)} "
                f"items x {seconds:.1f} s")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp.npz"
    np.savez_compressed(tmp, index=np.frombuffer(json.dumps(index).encode(), dtype=np.uint8), **arrays)
    os.replace(tmp, out)
    log(f"wrote {out}: {os.path.getsize(out) / 2**20:.1f} MiB, {len(index)} items")
    return {"items": index, "bytes": os.path.getsize(out)}


def _file_name(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)


def unpack(path: str, cache: str) -> int:
    """Write the pack at `path` as a cache folder `cache`; returns the number of items."""
    with np.load(path) as z:
        index = json.loads(bytes(z["index"]).decode())
        for i, item in enumerate(index):
            d = os.path.join(cache, item["dir"])
            os.makedirs(d, exist_ok=True)
            base = os.path.join(d, f"{i:05d}-{_file_name(item['name'])}")
            np.save(base + ".npy", mu_law_decode(z[item["key"]], item["scale"]).astype(np.float16))
            with open(base + ".json", "w") as f:
                json.dump(item["meta"], f)
    return len(index)


def main(argv: Optional[list] = None) -> None:
    p = argparse.ArgumentParser(description="Pack compact training material for a GPU machine")
    p.add_argument("--cache", default=corpus.CACHE)
    p.add_argument("--recipe", help="the recipe whose banks and mix_probs the pack follows")
    p.add_argument("--out", help="the .npz to write")
    p.add_argument("--mib", type=float, default=24.0, help="size budget of the audio (MiB)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--unpack", metavar="PACK", help="write PACK as a cache folder at --cache")
    a = p.parse_args(argv)
    if a.unpack:
        print(f"unpacked {unpack(a.unpack, a.cache)} items into {a.cache}")
        return
    if not (a.recipe and a.out):
        p.error("--recipe and --out are required to pack")
    with open(a.recipe) as f:
        pack(a.cache, json.load(f), a.out, a.mib, a.seed)


if __name__ == "__main__":
    main()
