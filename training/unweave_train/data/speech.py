"""Speech streams: per speaker, every utterance resampled to the model rate, trimmed,
loudness-normalised and concatenated (seeded gaps) into one cached float16 array.

Cache: <cache>/speech/<speaker>.npy (+ .json listing the files in order).
"""

from __future__ import annotations

import argparse
import json
import os
from math import gcd
from multiprocessing import Pool

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from . import corpus

TARGET_RMS_DB = -25.0


def load_mono(path: str, sr: int) -> np.ndarray:
    """Decode a file, downmix, resample to sr (polyphase), float32."""
    x, fs = sf.read(path, dtype="float32", always_2d=True)
    x = x.mean(axis=1)
    if fs != sr:
        g = gcd(int(fs), int(sr))
        x = resample_poly(x, sr // g, int(fs) // g).astype(np.float32)
    return x


def active_rms(x: np.ndarray, sr: int, floor_db: float = -40.0) -> float:
    """RMS over the 20 ms frames within floor_db of the loudest frame."""
    n = max(1, int(0.02 * sr))
    frames = len(x) // n
    if frames == 0:
        return float(np.sqrt(np.mean(x**2) + 1e-12))
    e = (x[: frames * n].reshape(frames, n) ** 2).mean(axis=1)
    act = e > e.max() * 10 ** (floor_db / 10)
    return float(np.sqrt(e[act].mean() + 1e-12))


def trim(x: np.ndarray, sr: int, floor_db: float = -40.0) -> np.ndarray:
    """Cut leading and trailing frames more than floor_db below the loudest 20 ms frame."""
    n = max(1, int(0.02 * sr))
    frames = len(x) // n
    if frames < 3:
        return x
    e = (x[: frames * n].reshape(frames, n) ** 2).mean(axis=1)
    idx = np.nonzero(e > e.max() * 10 ** (floor_db / 10))[0]
    if len(idx) == 0:
        return x[:0]
    return x[max(0, idx[0] - 1) * n : min(frames, idx[-1] + 2) * n]


def normalise(x: np.ndarray, sr: int, target_db: float = TARGET_RMS_DB) -> np.ndarray:
    """Scale so the active RMS is target_db dBFS."""
    r = active_rms(x, sr)
    return (x * (10 ** (target_db / 20) / max(r, 1e-6))).astype(np.float32)


def _load(args):
    path, sr = args
    try:
        x = trim(load_mono(path, sr), sr)
        if len(x) < int(0.3 * sr):
            return None
        return normalise(x, sr)
    except Exception as e:
        print("speech load failed", path, e, flush=True)
        return None


def build_stream(speaker: str, files: list[str], out_dir: str, sr: int = 16000, seed: int = 0,
                 workers: int = 2, pool=None) -> str:
    """Concatenate one speaker's utterances (seeded order and 0.1-0.4 s gaps) into a stream."""
    path = os.path.join(out_dir, speaker.replace(":", "_") + ".npy")
    if os.path.exists(path):
        return path
    rng = np.random.default_rng(int(corpus.stable_unit(speaker, seed) * 2**31))
    order = list(files)
    rng.shuffle(order)
    clips = list(pool.map(_load, [(f, sr) for f in order], chunksize=8))
    parts, used = [], []
    for f, c in zip(order, clips):
        if c is None:
            continue
        parts.append(c)
        parts.append(np.zeros(int(rng.uniform(0.1, 0.4) * sr), dtype=np.float32))
        used.append(os.path.relpath(f, corpus.PKGS))
    arr = np.concatenate(parts).astype(np.float16) if parts else np.zeros(0, np.float16)
    os.makedirs(out_dir, exist_ok=True)
    np.save(path + ".tmp.npy", arr)
    os.replace(path + ".tmp.npy", path)
    with open(path[:-4] + ".json", "w") as f:
        json.dump({"speaker": speaker, "split": corpus.speech_split(speaker), "sr": sr,
                   "seconds": len(arr) / sr, "files": used}, f)
    return path


def load_streams(cache: str, split: str) -> dict[str, str]:
    """speaker -> stream .npy path for one split."""
    d = os.path.join(cache, "speech")
    out = {}
    if not os.path.isdir(d):
        return out
    for name in sorted(os.listdir(d)):
        if name.endswith(".json"):
            with open(os.path.join(d, name)) as f:
                meta = json.load(f)
            if meta["split"] == split and meta["seconds"] > 5:
                out[meta["speaker"]] = os.path.join(d, name[:-5] + ".npy")
    return out


def stream_metadata(cache: str):
    """The metadata JSON of every speaker stream in the cache (none when there is no speech yet)."""
    d = os.path.join(cache, "speech")
    if not os.path.isdir(d):
        return
    for name in sorted(os.listdir(d)):
        if name.endswith(".json"):
            with open(os.path.join(d, name)) as f:
                yield json.load(f)


def stream_weights(cache: str, split: str, speakers: list[str]) -> list[float]:
    """Draw weight of each speaker's stream (metadata "weight", default 1.0)."""
    by = {m["speaker"]: float(m.get("weight", 1.0)) for m in stream_metadata(cache)
          if m["split"] == split}
    return [by.get(s, 1.0) for s in speakers]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description="Build the per-speaker speech streams")
    p.add_argument("--cache", default=corpus.CACHE)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args(argv)
    spk = corpus.speech_utterances(os.path.join(args.cache, "pkgs"))
    with Pool(args.workers) as pool:
        for s, files in sorted(spk.items()):
            if s.endswith(":?"):
                continue
            build_stream(s, files, os.path.join(args.cache, "speech"), pool=pool)
            print("speech stream", s, len(files), flush=True)


if __name__ == "__main__":
    main()
