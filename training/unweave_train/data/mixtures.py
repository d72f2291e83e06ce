"""Seeded mixture sampling from the cached stems and speech streams.

Every example is a set of k source signals (float32 [k, n]) whose sum is the mixture; the
sampler draws the kind (trio, other music, speech), the piece or speakers, the window and the
gains from a numpy Generator, so the same seed gives the same examples.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from . import render as render_mod
from . import speech as speech_mod

KINDS = ("trio", "music", "speech", "lead")


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)) + 1e-20))


class StemPool:
    """Rendered pieces of one (bank, mode, split): memory-mapped float16 [channels, samples]."""

    def __init__(self, entries: list[dict]):
        self.entries = entries
        self.arrays = [np.load(e["npy"], mmap_mode="r") for e in entries]

    def __len__(self) -> int:
        return len(self.entries)


def _window_sources(arr: np.ndarray, start: int, n: int) -> np.ndarray:
    seg = np.asarray(arr[:, start : start + n], dtype=np.float32)
    if seg.shape[1] < n:
        seg = np.pad(seg, ((0, 0), (0, n - seg.shape[1])))
    return seg


def active_channels(seg: np.ndarray, rel_db: float = 30.0, abs_rms: float = 3e-4) -> np.ndarray:
    """Indices of the channels of seg [C, n] whose RMS is within rel_db of the loudest."""
    r = np.sqrt(np.mean(seg.astype(np.float64) ** 2, axis=1))
    return np.nonzero((r > abs_rms) & (r > r.max() * 10 ** (-rel_db / 20)))[0]


def apply_gains(sources: np.ndarray, rng: np.random.Generator, spread_db: float) -> np.ndarray:
    """Equalise the sources' RMS, then give each a random gain in +-spread_db."""
    out = np.empty_like(sources)
    for i, s in enumerate(sources):
        g = 10 ** (rng.uniform(-spread_db, spread_db) / 20) / _rms(s)
        out[i] = s * g
    return out


def set_level(sources: np.ndarray, rng: np.random.Generator, lo: float = 0.05,
              hi: float = 0.9) -> np.ndarray:
    """Scale all sources together so the mixture's peak is uniform in [lo, hi]."""
    peak = float(np.abs(sources.sum(axis=0)).max())
    return (sources * (rng.uniform(lo, hi) / max(peak, 1e-9))).astype(np.float32)


def band_limit(x: np.ndarray, cutoff_hz: float, sr: int, transition_hz: float = 250.0) -> np.ndarray:
    """x [..., n] low-passed at cutoff_hz: a zero-phase FFT filter whose gain falls from 1 to 0
    along a raised cosine over the transition_hz below the cutoff."""
    n = x.shape[-1]
    f = np.fft.rfftfreq(n, 1.0 / sr)
    t = np.clip((cutoff_hz - f) / transition_hz, 0.0, 1.0)
    g = 0.5 - 0.5 * np.cos(np.pi * t)
    return np.fft.irfft(np.fft.rfft(x, axis=-1) * g, n=n, axis=-1).astype(np.float32)


def _draw_pool(rng: np.random.Generator, pools: list) -> "StemPool":
    """One bank's pool, in proportion to its rendered pieces, so that pieces are drawn uniformly
    across the banks (a bank with few renders is drawn rarely)."""
    if not pools:
        raise RuntimeError("no rendered pieces of this split in the cache (run unweave_train.data.render)")
    if len(pools) == 1:
        # No random draw: the one-bank test splits and validation batches stay those of the
        # sampler before the weighted draw (0.2.0's card was measured on them).
        return pools[0]
    sizes = np.array([len(p) for p in pools], dtype=np.float64)
    return pools[int(rng.choice(len(pools), p=sizes / sizes.sum()))]


# The banks a sampler draws from unless told (the trainer's validation batches use these).
DEFAULT_BANKS = ("fluidr3",)


class MixtureSampler:
    """Draws examples of one split from the cache (see module doc)."""

    def __init__(self, cache: str, split: str, music_banks: tuple = DEFAULT_BANKS,
                 trio_banks: tuple = DEFAULT_BANKS, speech_split: Optional[str] = None):
        self.split = split
        self.music = [StemPool(render_mod.load_rendered(cache, b, "orig", split)) for b in music_banks]
        self.trio = [StemPool(render_mod.load_rendered(cache, b, "trio", split)) for b in trio_banks]
        self.lead = [StemPool(render_mod.load_rendered(cache, b, "lead", split)) for b in music_banks]
        self.music = [p for p in self.music if len(p)]
        self.trio = [p for p in self.trio if len(p)]
        self.lead = [p for p in self.lead if len(p)]
        streams = speech_mod.load_streams(cache, speech_split or split)
        self.speakers = sorted(streams)
        self.streams = [np.load(streams[s], mmap_mode="r") for s in self.speakers]
        # Per-speaker draw weights (stream metadata "weight", default 1): extra (speed-perturbed
        # or synthetic) training speakers can be added without outnumbering the real voices.
        w = np.array(speech_mod.stream_weights(cache, speech_split or split, self.speakers),
                     dtype=np.float64)
        self.speaker_p = None if len(w) == 0 or np.all(w == w[0]) else w / w.sum()
        # Per-speaker effective bandwidth (stream metadata "bandwidth_hz"; None: the full band)
        # and rate: a talker recorded at 11 kHz must not be told apart by "nothing above
        # 5.5 kHz", so a speech example is band-limited to its narrowest talker (_speech).
        meta = {m["speaker"]: m for m in speech_mod.stream_metadata(cache)}
        self.speaker_sr = [int(meta.get(s, {}).get("sr", 16000)) for s in self.speakers]
        self.speaker_bw = [meta.get(s, {}).get("bandwidth_hz") for s in self.speakers]

    def available(self) -> dict:
        return {"trio": sum(len(p) for p in self.trio), "music": sum(len(p) for p in self.music),
                "speech": len(self.speakers) if len(self.speakers) >= 2 else 0,
                "lead": sum(len(p) for p in self.lead)}

    def sample(self, rng: np.random.Generator, kind: str, n: int,
               k: Optional[int] = None, grouped: Optional[bool] = None) -> np.ndarray:
        """k sources [k, n] float32 of one example of `kind`."""
        if kind == "trio":
            return self._music(rng, self.trio, n, k or (3 if rng.random() < 0.7 else 2), False)
        if kind == "music":
            kk = k or int(rng.choice([2, 3, 4], p=[0.4, 0.35, 0.25]))
            gr = (rng.random() < 0.3) if grouped is None else grouped
            return self._music(rng, self.music, n, kk, gr)
        if kind == "speech":
            return self._speech(rng, n, k or (2 if rng.random() < 0.85 else 3))
        if kind == "lead":
            return self._lead(rng, n)
        raise ValueError(kind)

    def _lead(self, rng, n) -> np.ndarray:
        """Two sources: the guitar lead (channel 0 of a 'lead' render) and the sum of the
        piece's other active channels (the band), the lead from 3 dB above to 9 dB below the
        band's RMS."""
        for _ in range(200):
            pool = _draw_pool(rng, self.lead)
            arr = pool.arrays[int(rng.integers(len(pool)))]
            start = int(rng.integers(0, max(1, arr.shape[1] - n)))
            seg = _window_sources(arr, start, n)
            act = active_channels(seg)
            band = act[act != 0]
            if 0 not in act or len(band) == 0:
                continue
            srcs = np.stack([seg[0], seg[band].sum(axis=0)])
            srcs = apply_gains(srcs, rng, 0.0)
            srcs[0] *= 10 ** (-rng.uniform(-3.0, 9.0) / 20)
            return set_level(srcs, rng)
        raise RuntimeError("no lead window")

    def _music(self, rng, pools, n, k, grouped) -> np.ndarray:
        for _ in range(200):
            pool = _draw_pool(rng, pools)
            i = int(rng.integers(len(pool)))
            arr = pool.arrays[i]
            if arr.shape[0] < k:
                continue
            start = int(rng.integers(0, max(1, arr.shape[1] - n)))
            seg = _window_sources(arr, start, n)
            act = active_channels(seg)
            if len(act) < k:
                continue
            if grouped:
                # Every active channel joins one of k groups (one channel per group first, the
                # rest at random): sources like "the band" in a real song.
                perm = rng.permutation(act)
                label = np.concatenate([np.arange(k), rng.integers(0, k, len(perm) - k)])
                srcs = np.stack([seg[perm[label == g]].sum(axis=0) for g in range(k)])
            else:
                pick = rng.choice(act, size=k, replace=False)
                srcs = seg[pick]
            return set_level(apply_gains(srcs, rng, 5.0), rng)
        raise RuntimeError("no window with enough active sources")

    def _speech(self, rng, n, k) -> np.ndarray:
        if len(self.speakers) < 2:
            raise RuntimeError(f"fewer than 2 speakers of split {self.split!r} in the cache "
                               "(run unweave_train.data.speech)")
        k = min(k, len(self.speakers))
        for _ in range(200):
            if self.speaker_p is None:  # all weights equal: the original (uniform) draw
                who = rng.choice(len(self.speakers), size=k, replace=False)
            else:
                who = rng.choice(len(self.speakers), size=k, replace=False, p=self.speaker_p)
            srcs = []
            for w in who:
                s = self.streams[int(w)]
                start = int(rng.integers(0, max(1, len(s) - n)))
                x = np.asarray(s[start : start + n], dtype=np.float32)
                if len(x) < n:
                    x = np.pad(x, (0, n - len(x)))
                srcs.append(x)
            srcs = np.stack(srcs)
            bws = [self.speaker_bw[int(w)] for w in who if self.speaker_bw[int(w)]]
            sr = self.speaker_sr[int(who[0])]
            if bws and min(bws) < 0.95 * sr / 2:
                srcs = band_limit(srcs, float(min(bws)), sr)
            if len(active_channels(srcs, rel_db=20.0, abs_rms=1e-3)) < k:
                continue
            return set_level(apply_gains(srcs, rng, 5.0), rng)
        raise RuntimeError("no speech window")


def draw_kind(rng: np.random.Generator, probs: dict, available: dict) -> str:
    kinds = [k for k in KINDS if probs.get(k, 0) > 0 and available.get(k, 0) > 0]
    p = np.array([probs[k] for k in kinds], dtype=np.float64)
    return kinds[int(rng.choice(len(kinds), p=p / p.sum()))]


def batch_sources(sampler: MixtureSampler, rng: np.random.Generator, batch: int, n: int,
                  probs: dict, max_sources: int = 4, with_kinds: bool = False):
    """A batch: sources [B, max_sources, n] (zero-padded) and source counts [B]; with_kinds also
    the kind of each example (the same draws either way)."""
    out = np.zeros((batch, max_sources, n), dtype=np.float32)
    counts = np.zeros(batch, dtype=np.int64)
    kinds = []
    avail = sampler.available()
    for b in range(batch):
        kind = draw_kind(rng, probs, avail)
        s = sampler.sample(rng, kind, n)
        out[b, : len(s)] = s
        counts[b] = len(s)
        kinds.append(kind)
    return (out, counts, kinds) if with_kinds else (out, counts)
