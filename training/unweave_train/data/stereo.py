"""Stereo mixes of rendered instruments, for choosing the engine's stereo cue on validation
material (the Frets on Fire songs are the only real stereo multitracks here, and they are test).

A mix engineer's picture, kept simple: every instrument (one rendered MIDI channel) is panned
with the constant-power law, 30 % of them to the centre and the rest uniformly within +-0.8; all
of them send to one shared stereo reverb (a decaying noise tail, independent in left and right,
RT60 0.3-1.2 s, 15 ms pre-delay) at -20 to -8 dB. A source (a lead, or a group of instruments
such as "the band") is the sum of its instruments, dry and reverberant, so its reference carries
its own reverb, as a bounced stem does.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import fftconvolve

from .mixtures import MixtureSampler, _rms, _window_sources, active_channels, set_level

CENTRE_PROB = 0.3
MAX_PAN = 0.8


def pan_gains(p: np.ndarray) -> np.ndarray:
    """Constant-power gains [C, 2] (left, right) for pan positions p in [-1, 1] (-1 = left);
    a centred instrument gets 1/sqrt(2) in each channel."""
    theta = (np.asarray(p, dtype=np.float64) + 1.0) * np.pi / 4
    return np.stack([np.cos(theta), np.sin(theta)], axis=-1)


def reverb_ir(rng: np.random.Generator, sr: int, rt60: float, predelay: float = 0.015) -> np.ndarray:
    """Stereo impulse response [m, 2]: independent Gaussian noise in each channel under a
    60 dB / rt60 exponential decay, after `predelay` seconds of silence; unit energy per channel."""
    m = int(rt60 * sr)
    t = np.arange(m) / sr
    env = 10 ** (-3.0 * t / rt60)
    tail = rng.standard_normal((m, 2)) * env[:, None]
    tail /= np.sqrt(np.sum(tail ** 2, axis=0, keepdims=True))
    return np.concatenate([np.zeros((int(predelay * sr), 2)), tail]).astype(np.float32)


def stereo_sources(channels: np.ndarray, labels: np.ndarray, k: int, rng: np.random.Generator,
                   sr: int) -> np.ndarray:
    """Instruments [C, n] (mono) grouped by labels [C] into k sources -> stereo sources
    [k, n, 2]: each instrument panned and sent to the shared reverb (module doc)."""
    C, n = channels.shape
    pans = np.where(rng.random(C) < CENTRE_PROB, 0.0, rng.uniform(-MAX_PAN, MAX_PAN, C))
    g = pan_gains(pans)
    ir = reverb_ir(rng, sr, float(rng.uniform(0.3, 1.2)))
    sends = 10 ** (rng.uniform(-20.0, -8.0, C) / 20)
    out = np.zeros((k, n, 2), dtype=np.float64)
    for c in range(C):
        x = channels[c].astype(np.float64)
        wet = np.stack([fftconvolve(x, ir[:, j])[:n] for j in (0, 1)], axis=-1)
        out[labels[c]] += x[:, None] * g[c][None, :] + sends[c] * wet
    return out.astype(np.float32)


def sample_stereo(sampler: MixtureSampler, rng: np.random.Generator, kind: str, n: int, k: int,
                  sr: int) -> np.ndarray:
    """One stereo example [k, n, 2] of validation pieces: kind 'lead' (k = 2: the guitar of a
    lead render against the piece's other active instruments, the lead 3 dB above to 9 dB below
    the band) or 'band' (every active instrument of a piece in one of k groups, one instrument
    per group first, the groups' levels equalised then +-5 dB). Mixture peak as set_level."""
    pools = sampler.lead if kind == "lead" else sampler.music
    if not pools:
        raise RuntimeError(f"no rendered {kind} pieces of split {sampler.split!r} in the cache")
    for _ in range(200):
        pool = pools[int(rng.integers(len(pools)))]
        arr = pool.arrays[int(rng.integers(len(pool)))]
        start = int(rng.integers(0, max(1, arr.shape[1] - n)))
        seg = _window_sources(arr, start, n)
        act = active_channels(seg)
        if kind == "lead":
            band = act[act != 0]
            if 0 not in act or len(band) == 0:
                continue
            chans = np.concatenate([[0], band])
            labels = np.array([0] + [1] * len(band))
            k = 2
        else:
            if len(act) < k:
                continue
            chans = rng.permutation(act)
            labels = np.concatenate([np.arange(k), rng.integers(0, k, len(chans) - k)])
        inst = seg[chans]
        # levels per source: RMS of each group's mono sum equalised, then the kind's spread
        gains = np.empty(k)
        for s in range(k):
            gains[s] = 1.0 / _rms(inst[labels == s].sum(axis=0))
        if kind == "lead":
            gains[0] *= 10 ** (-rng.uniform(-3.0, 9.0) / 20)
        else:
            gains *= 10 ** (rng.uniform(-5.0, 5.0, k) / 20)
        inst = inst * gains[labels][:, None]
        return set_level(stereo_sources(inst, labels, k, rng, sr), rng)
    raise RuntimeError(f"no {kind} window with {k} active groups")
