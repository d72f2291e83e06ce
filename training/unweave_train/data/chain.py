"""Recording-chain colouring: the magnitude response a microphone, a small loudspeaker or a
band-limited transfer puts on a whole recording.

Two talkers recorded by one microphone pass through the same chain, so a chain is applied to
every source of a mixture alike (unlike train.random_eq, a timbre change per source). The shape
is a Butterworth-like low-pass (|H|^2 = 1 / (1 + (f/fc)^(2n)), n may be fractional: 6n dB per
octave above fc) times, optionally, a high-pass of the same form (1 / (1 + (fh/f)^(2m))).

A room (`add_room`) is the other half of a recording: each source reaches the microphone with
its own reverberant tail from one shared room (one RT60, an independent impulse-response
realisation per source, as `data.stereo` builds its stereo reverb). The reverberant source is the
target: the app hands each source back with its own reverb.

A drive (`add_drive`) is the guitar amplifier's part: one source of a music example driven into a
soft clipper between a tone-shaping high-pass and a cabinet-like low-pass. Rendered instruments
add their notes linearly (a sampled "distortion guitar" plays each note of a chord as its own
recorded sample), whereas a real amplifier distorts the chord as a whole, with intermodulation
between its notes: the dense, broadband sound of produced rock guitars that no training source has.

Used by training (`TrainConfig.chain_prob`, `room_prob`, `drive_prob`: real recordings are coloured and
reverberant, the rendered and recorded training sources are dry and clean) and by the
`speaker_pairs --room --chain` diagnostic, which applies a fixed room and chain to whole signals.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import fftconvolve

# Ranges of random_chain (a broad family, from telephone-like to nearly flat; not fitted to any
# test material).
LOWPASS_HZ = (600.0, 7000.0)
LOWPASS_ORDER = (0.5, 2.0)  # 3-12 dB per octave
HIGHPASS_PROB = 0.5
HIGHPASS_HZ = (50.0, 400.0)
HIGHPASS_ORDER = (1.0, 2.0)
FLOOR_DB = -60.0
ROOM_RT60 = (0.2, 1.0)  # seconds
ROOM_WET_DB = (-15.0, -3.0)  # reverberant energy relative to the direct sound
ROOM_PREDELAY = (0.005, 0.03)  # seconds
# Ranges of random_drive (a family from crunch to high gain; not fitted to any test material).
DRIVE_DB = (12.0, 36.0)  # gain into the clipper, for a source at -20 dBFS RMS
DRIVE_BIAS = (0.0, 0.3)  # asymmetry of the clipper (even harmonics)
DRIVE_PRE_HP_HZ = (80.0, 400.0)
DRIVE_CAB_LP_HZ = (2500.0, 6500.0)
DRIVE_CAB_ORDER = (1.5, 3.0)
DRIVE_OVERSAMPLE = 4  # the clipper runs at 4x the rate: its strong low harmonics do not fold back
DRIVE_KINDS = ("music", "lead")  # the examples a drive may be applied to (not talkers, not the trio)


def chain_gain_db(freqs: np.ndarray, lowpass_hz: float | None = None, lowpass_order: float = 1.0,
                  highpass_hz: float | None = None, highpass_order: float = 1.0) -> np.ndarray:
    """Gain in dB at `freqs` (Hz) of a low-pass (and/or high-pass) chain, floored at FLOOR_DB."""
    f = np.maximum(np.asarray(freqs, dtype=np.float64), 1.0)
    g = np.zeros_like(f)
    if lowpass_hz is not None:
        g -= 10.0 * np.log10(1.0 + (f / lowpass_hz) ** (2.0 * lowpass_order))
    if highpass_hz is not None:
        g -= 10.0 * np.log10(1.0 + (highpass_hz / f) ** (2.0 * highpass_order))
    return np.maximum(g, FLOOR_DB)


def bin_freqs(bins: int, sr: int) -> np.ndarray:
    return np.arange(bins) * (sr / 2) / (bins - 1)


def random_chain(rng: np.random.Generator) -> dict:
    """Parameters of a random chain (keyword arguments of chain_gain_db)."""
    lo = np.log(LOWPASS_HZ)
    p = {"lowpass_hz": float(np.exp(rng.uniform(lo[0], lo[1]))),
         "lowpass_order": float(rng.uniform(*LOWPASS_ORDER))}
    if rng.random() < HIGHPASS_PROB:
        hi = np.log(HIGHPASS_HZ)
        p["highpass_hz"] = float(np.exp(rng.uniform(hi[0], hi[1])))
        p["highpass_order"] = float(rng.uniform(*HIGHPASS_ORDER))
    return p


def random_chain_gains(rng: np.random.Generator, bins: int, sr: int) -> np.ndarray:
    """Linear gains [bins] of a random chain at the STFT's bin frequencies."""
    return (10.0 ** (chain_gain_db(bin_freqs(bins, sr), **random_chain(rng)) / 20.0)).astype(np.float32)


def apply_chain(x: np.ndarray, sr: int, **params) -> np.ndarray:
    """Filter signals x [..., n] by the chain (zero phase, over the whole signal)."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[-1]
    X = np.fft.rfft(x, axis=-1)
    g = 10.0 ** (chain_gain_db(np.fft.rfftfreq(n, 1.0 / sr), **params) / 20.0)
    return np.fft.irfft(X * g, n=n, axis=-1).astype(np.float32)


def room_ir(rng: np.random.Generator, sr: int, rt60: float, wet_db: float,
            predelay: float) -> np.ndarray:
    """Impulse response [m]: a unit direct sound, then Gaussian noise under a 60 dB / rt60
    exponential decay after `predelay` seconds, with energy wet_db relative to the direct sound."""
    m = int(rt60 * sr)
    t = np.arange(m) / sr
    tail = rng.standard_normal(m) * 10 ** (-3.0 * t / rt60)
    tail *= 10 ** (wet_db / 20) / np.sqrt(np.sum(tail ** 2))
    ir = np.zeros(int(predelay * sr) + m, dtype=np.float64)
    ir[0] = 1.0
    ir[int(predelay * sr):] += tail
    return ir


def add_room(sources: np.ndarray, counts: np.ndarray, rng: np.random.Generator, sr: int,
             prob: float) -> np.ndarray:
    """Sources [B, C, n] with, for each example with probability `prob`, every one of its
    counts[b] sources convolved with its own room_ir of one shared room (RT60 and wet level drawn
    per example, the wet level then +-2 dB per source, and a pre-delay per source); the tail past
    n is cut, each source keeps its RMS. Other examples unchanged."""
    out = sources.copy()
    for b in range(sources.shape[0]):
        if rng.random() >= prob:
            continue
        rt60 = rng.uniform(*ROOM_RT60)
        wet = rng.uniform(*ROOM_WET_DB)
        for c in range(int(counts[b])):
            s = sources[b, c].astype(np.float64)
            ir = room_ir(rng, sr, rt60, wet + rng.uniform(-2.0, 2.0), rng.uniform(*ROOM_PREDELAY))
            y = fftconvolve(s, ir)[: s.shape[0]]
            rs, ry = np.sqrt(np.mean(s ** 2)), np.sqrt(np.mean(y ** 2))
            out[b, c] = (y * (rs / ry) if ry > 0 else y).astype(np.float32)
    return out


def random_drive(rng: np.random.Generator) -> dict:
    """Parameters of a random drive (keyword arguments of drive)."""
    lp = np.log(DRIVE_CAB_LP_HZ)
    hp = np.log(DRIVE_PRE_HP_HZ)
    return {"drive_db": float(rng.uniform(*DRIVE_DB)), "bias": float(rng.uniform(*DRIVE_BIAS)),
            "pre_hp_hz": float(np.exp(rng.uniform(hp[0], hp[1]))),
            "cab_lp_hz": float(np.exp(rng.uniform(lp[0], lp[1]))),
            "cab_order": float(rng.uniform(*DRIVE_CAB_ORDER))}


def drive(x: np.ndarray, sr: int, drive_db: float, bias: float = 0.0, pre_hp_hz: float = 100.0,
          cab_lp_hz: float = 5000.0, cab_order: float = 2.0) -> np.ndarray:
    """One signal x [n] through an amplifier-like chain: a high-pass (order 1) before the clipper,
    the gain drive_db on x normalised to -20 dBFS RMS, an asymmetric soft clipper
    tanh(g x + bias) - tanh(bias) at DRIVE_OVERSAMPLE times the rate, then a cabinet-like
    low-pass; the result keeps x's RMS. Silence stays silence."""
    from scipy.signal import resample_poly

    x = np.asarray(x, dtype=np.float64)
    r = np.sqrt(np.mean(x ** 2))
    if r < 1e-9:
        return x.astype(np.float32)
    y = apply_chain(x, sr, highpass_hz=pre_hp_hz, highpass_order=1.0).astype(np.float64)
    g = 10 ** (drive_db / 20) * 0.1 / max(np.sqrt(np.mean(y ** 2)), 1e-9)
    up = resample_poly(y, DRIVE_OVERSAMPLE, 1)
    up = np.tanh(g * up + bias) - np.tanh(bias)
    y = resample_poly(up, 1, DRIVE_OVERSAMPLE)[: x.shape[0]]
    y = apply_chain(y, sr, lowpass_hz=cab_lp_hz, lowpass_order=cab_order).astype(np.float64)
    ry = np.sqrt(np.mean(y ** 2))
    return (y * (r / ry) if ry > 0 else y).astype(np.float32)


def add_drive(sources: np.ndarray, counts: np.ndarray, kinds: list, rng: np.random.Generator,
              sr: int, prob: float) -> np.ndarray:
    """Sources [B, C, n] where each example of a kind in DRIVE_KINDS has, with probability `prob`,
    one of its counts[b] sources (drawn at random) passed through a random_drive; the driven
    source is the target. Other examples and sources unchanged."""
    out = sources.copy()
    for b in range(sources.shape[0]):
        if kinds[b] not in DRIVE_KINDS or rng.random() >= prob:
            continue
        c = int(rng.integers(int(counts[b])))
        out[b, c] = drive(sources[b, c], sr, **random_drive(rng))
    return out
