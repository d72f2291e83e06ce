"""Speech streams: per speaker, every utterance resampled to the model rate, trimmed,
loudness-normalised and concatenated (seeded gaps) into one cached float16 array.

Cache: <cache>/speech/<speaker>.npy (+ .json: the utterances in order, split, package,
language, kind "real", native rate, effective bandwidth).

An utterance is a file path or an `Utterance`: a file, a zip member or a byte range of either,
holding a container soundfile reads (WAV, Ogg, MP3, FLAC, ...) or raw samples (unsigned 8-bit,
signed 16-bit little-endian, GSM 6.10, RNC-packed unsigned 8-bit) at a given rate. Every
utterance goes through the same `decode` (data.voices lists them).
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass
from math import gcd
from typing import Union

import numpy as np
import soundfile as sf
from scipy.signal import get_window, resample_poly

from . import corpus

TARGET_RMS_DB = -25.0
# How stream bandwidths are measured (effective_bandwidth); a stream measured otherwise is
# measured again when its metadata is refreshed.
BANDWIDTH_METHOD = "band edge -60 dB, Blackman-Harris 1024, active frames without digital silence"
RAW_CODECS = ("u8", "s16le", "gsm610", "rnc-u8")


@dataclass(frozen=True)
class Utterance:
    """Where one utterance lies. path: a file (or a zip archive when member is set); offset and
    size: a byte range of the file or member (size -1: to the end); codec: "auto" (a container
    soundfile reads) or one of RAW_CODECS at `rate` Hz (mono); skip: bytes dropped from the
    start of the (unpacked) samples, for "rnc-u8" the header before the packed block."""
    path: str
    member: str = ""
    offset: int = 0
    size: int = -1
    codec: str = "auto"
    rate: int = 0
    skip: int = 0

    @property
    def name(self) -> str:
        """A readable label: the path relative to the unpacked packages, then the member or range."""
        rel = os.path.relpath(self.path, corpus.PKGS) if os.path.isabs(self.path) else self.path
        if self.member:
            rel += "::" + self.member
        if self.offset or self.size >= 0:
            rel += f"@{self.offset}+{self.size}"
        return rel


UtteranceLike = Union[str, Utterance]

_ZIPS: dict = {}


def _zip(path: str) -> zipfile.ZipFile:
    """One open ZipFile per archive and process (the workers read many members of one archive;
    keyed by process id, so a forked worker never shares its parent's file position)."""
    key = (os.getpid(), path)
    z = _ZIPS.get(key)
    if z is None:
        z = _ZIPS[key] = zipfile.ZipFile(path)
    return z


def read_bytes(u: Utterance) -> bytes:
    """The utterance's bytes (the zip member or the file, cut to the byte range)."""
    if u.member:
        data = _zip(u.path).read(u.member)
        return data[u.offset:] if u.size < 0 else data[u.offset:u.offset + u.size]
    with open(u.path, "rb") as f:
        f.seek(u.offset)
        data = f.read() if u.size < 0 else f.read(u.size)
    if u.size >= 0 and len(data) != u.size:
        raise ValueError(f"truncated: {len(data)} of {u.size} bytes at offset {u.offset}")
    return data


def decode(u: UtteranceLike) -> tuple[np.ndarray, int]:
    """Samples [n, channels] float32 and the native rate of one utterance."""
    if isinstance(u, str):
        u = Utterance(u)
    if u.codec == "auto":
        if not u.member and u.offset == 0 and u.size < 0:
            x, fs = sf.read(u.path, dtype="float32", always_2d=True)
        else:
            x, fs = sf.read(io.BytesIO(read_bytes(u)), dtype="float32", always_2d=True)
        return x, int(fs)
    if u.codec not in RAW_CODECS or u.rate <= 0:
        raise ValueError(f"unknown codec {u.codec!r} or rate {u.rate}")
    data = read_bytes(u)
    if u.codec == "rnc-u8":
        from .voices import rnc_unpack  # the ProPack decoder lives with the package readers
        data = rnc_unpack(data[u.skip:])
    elif u.skip:
        data = data[u.skip:]
    if u.codec in ("u8", "rnc-u8"):
        x = (np.frombuffer(data, np.uint8).astype(np.float32) - 128.0) / 128.0
    elif u.codec == "s16le":
        x = np.frombuffer(data[: len(data) // 2 * 2], "<i2").astype(np.float32) / 32768.0
    else:  # gsm610: raw 33-byte frames of 160 samples
        x, _ = sf.read(io.BytesIO(data), format="RAW", subtype="GSM610", samplerate=u.rate,
                       channels=1, dtype="float32")
    return x.reshape(-1, 1), u.rate


def check_decoded(x: np.ndarray) -> None:
    """Raise ValueError for samples no sane recording has: none, non-finite values or a peak
    beyond four times full scale (a broken stream: 25 klettres tn files decode to 7-61x full
    scale). Lossy decodes of clipped recordings overshoot to ~2.2x, and clipped but sane
    recordings stay (a quarter of the Tux Paint Spanish readings have 10-14 % of their samples
    at full scale; the streams keep them as before)."""
    if x.size == 0:
        raise ValueError("no samples")
    if not np.all(np.isfinite(x)):
        raise ValueError("non-finite samples")
    peak = float(np.abs(x).max())
    if peak > 4.0:
        raise ValueError(f"peak {peak:.1f} x full scale (corrupt decode)")


def load_mono(path: UtteranceLike, sr: int, with_rate: bool = False):
    """Decode an utterance, downmix, resample to sr (polyphase), float32 (and the native rate)."""
    x, fs = decode(path)
    check_decoded(x)
    x = x.mean(axis=1)
    if fs != sr:
        g = gcd(int(fs), int(sr))
        x = resample_poly(x, sr // g, int(fs) // g).astype(np.float32)
    return (x, fs) if with_rate else x


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
    """(clip at sr, native rate, fraction of exact zeros inside the trimmed clip) or None."""
    path, sr = args
    try:
        x, fs = load_mono(path, sr, with_rate=True)
        x = trim(x, sr)
        if len(x) < int(0.3 * sr):
            return None
        return normalise(x, sr), fs, float(np.mean(x == 0.0))
    except Exception as e:
        name = path.name if isinstance(path, Utterance) else path
        print("speech load failed, skipped:", name, e, flush=True)
        return None


def effective_bandwidth(x: np.ndarray, sr: int, native_rate: int = 0, floor_db: float = -60.0,
                        active_db: float = -40.0, n_fft: int = 1024) -> float:
    """The highest frequency (Hz) at which the long-term power spectrum of the active frames
    (4-term Blackman-Harris window of n_fft, hop n_fft/2: sidelobes below -90 dB, so no leakage
    reaches floor_db; frames within active_db of the 99th-percentile frame energy), smoothed over
    3 bins, is within floor_db of its peak; never above the native Nyquist
    (native_rate / 2) nor sr / 2. A recording band-limited at B gives ~B, full-band speech or
    noise ~sr / 2: it is the band edge (what a mixture must not reveal), not an energy fraction
    (energy_bandwidth)."""
    spec = _active_spectrum(x, sr, active_db, n_fft)
    nyq = sr / 2.0 if native_rate <= 0 else min(sr, native_rate) / 2.0
    if spec is None:
        return 0.0
    sm = np.convolve(spec, np.ones(3) / 3, mode="same")
    db = 10 * np.log10(sm + 1e-30)
    above = np.nonzero(db >= db.max() + floor_db)[0]
    return float(min((above[-1] + 0.5) * sr / n_fft, nyq))


def energy_bandwidth(x: np.ndarray, sr: int, native_rate: int = 0, fraction: float = 0.995,
                     active_db: float = -40.0, n_fft: int = 1024) -> float:
    """The frequency (Hz) below which `fraction` of the active frames' energy lies (capped at the
    native Nyquist)."""
    spec = _active_spectrum(x, sr, active_db, n_fft)
    nyq = sr / 2.0 if native_rate <= 0 else min(sr, native_rate) / 2.0
    if spec is None:
        return 0.0
    c = np.cumsum(spec) / spec.sum()
    return float(min((np.searchsorted(c, fraction) + 0.5) * sr / n_fft, nyq))


def _active_spectrum(x: np.ndarray, sr: int, active_db: float, n_fft: int):
    """Summed power spectrum [n_fft/2 + 1] of the active frames, or None (silence). Active: within
    active_db of the 99th-percentile frame energy and free of digital silence (at most 1 % exact
    zeros): a frame across a hard edge (an utterance's start in a stream, a noise gate) splatters
    over the whole band."""
    x = np.asarray(x, dtype=np.float32)
    hop = n_fft // 2
    if len(x) < n_fft:
        return None
    starts = np.arange(0, len(x) - n_fft + 1, hop)
    frames = lambda idx: np.stack([x[s:s + n_fft] for s in starts[idx]])  # noqa: E731
    energy = np.empty(len(starts), np.float64)
    zeros = np.empty(len(starts), np.float64)
    for i in range(0, len(starts), 8192):  # in blocks: a stream can be hours long
        fr = frames(slice(i, i + 8192))
        energy[i:i + len(fr)] = np.mean(fr.astype(np.float64) ** 2, axis=1)
        zeros[i:i + len(fr)] = np.mean(fr == 0.0, axis=1)
    ref = np.percentile(energy, 99)
    if ref <= 0:
        return None
    act = np.nonzero((energy >= ref * 10 ** (active_db / 10)) & (zeros <= 0.01))[0]
    if len(act) == 0:
        return None
    w = get_window("blackmanharris", n_fft).astype(np.float32)
    spec = np.zeros(n_fft // 2 + 1, np.float64)
    for i in range(0, len(act), 8192):
        spec += (np.abs(np.fft.rfft(frames(act[i:i + 8192]) * w, axis=1)) ** 2).sum(axis=0)
    return spec if spec.sum() > 0 else None


def _stream_path(out_dir: str, speaker: str) -> str:
    return os.path.join(out_dir, speaker.replace(":", "_") + ".npy")


def build_stream(speaker: str, files: list[UtteranceLike], out_dir: str, sr: int = 16000,
                 seed: int = 0, workers: int = 2, pool=None, meta: dict | None = None) -> str:
    """Concatenate one speaker's utterances (seeded order and 0.1-0.4 s gaps) into a stream.
    `meta` (package, language, ...) joins the stream's metadata, with kind "real", the native
    rate and the effective bandwidth measured on the stream. An existing stream is kept; its
    metadata is refreshed (split rule, meta, bandwidth) when it differs."""
    path = _stream_path(out_dir, speaker)
    if os.path.exists(path):
        _refresh_metadata(path, speaker, files, sr, meta or {})
        return path
    rng = np.random.default_rng(int(corpus.stable_unit(speaker, seed) * 2**31))
    order = list(files)
    rng.shuffle(order)
    args = [(f, sr) for f in order]
    clips = list(pool.map(_load, args, chunksize=8) if pool is not None else map(_load, args))
    parts, used, rates, zeros = [], [], [], []
    for f, c in zip(order, clips):
        if c is None:
            continue
        clip, fs, z = c
        parts.append(clip)
        parts.append(np.zeros(int(rng.uniform(0.1, 0.4) * sr), dtype=np.float32))
        used.append(f.name if isinstance(f, Utterance) else os.path.relpath(f, corpus.PKGS))
        rates.append(int(fs))
        zeros.append((z, len(clip)))
    arr = np.concatenate(parts).astype(np.float16) if parts else np.zeros(0, np.float16)
    os.makedirs(out_dir, exist_ok=True)
    np.save(path + ".tmp.npy", arr)
    os.replace(path + ".tmp.npy", path)
    n = sum(m for _, m in zeros)
    info = _stream_info(arr, sr, rates)
    info["digital_silence"] = round(sum(z * m for z, m in zeros) / n, 4) if n else 0.0
    _write_metadata(path, {"speaker": speaker, "split": corpus.speech_split(speaker), "sr": sr,
                           "seconds": len(arr) / sr, **info, **(meta or {}), "kind": "real",
                           "utterances": len(used), "files": used})
    return path


def _stream_info(arr: np.ndarray, sr: int, rates: list[int]) -> dict:
    """native_rate (the most common native rate; native_rates when they differ) and the
    bandwidths, measured on the stream and capped at the lowest native Nyquist."""
    if not rates:
        return {"native_rate": None, "bandwidth_hz": None, "energy_bandwidth_hz": None}
    vals, counts = np.unique(rates, return_counts=True)
    x = np.asarray(arr, dtype=np.float32)
    out = {"native_rate": int(vals[np.argmax(counts)]),
           "bandwidth_hz": round(effective_bandwidth(x, sr, int(vals.min())), 1),
           "energy_bandwidth_hz": round(energy_bandwidth(x, sr, int(vals.min())), 1),
           "bandwidth_method": BANDWIDTH_METHOD}
    if len(vals) > 1:
        out["native_rates"] = {str(int(v)): int(c) for v, c in zip(vals, counts)}
    return out


def _write_metadata(path: str, meta: dict) -> None:
    tmp = path[:-4] + ".json.tmp"
    with open(tmp, "w") as f:
        json.dump(meta, f)
    os.replace(tmp, path[:-4] + ".json")


def _refresh_metadata(path: str, speaker: str, files: list, sr: int, meta: dict) -> None:
    """Bring an existing stream's metadata up to date without decoding its audio again: the
    split rule, the given meta, kind "real" and, when missing, the native rate (from the listed
    utterances' headers) and the bandwidths (measured on the stream)."""
    jpath = path[:-4] + ".json"
    old = {}
    if os.path.exists(jpath):
        with open(jpath) as f:
            old = json.load(f)
    new = dict(old, speaker=speaker, split=corpus.speech_split(speaker), kind="real", **meta)
    if new.get("bandwidth_method") != BANDWIDTH_METHOD or new.get("native_rate") is None:
        if new.get("native_rate"):
            rates = [int(r) for r, c in (new.get("native_rates") or {str(new["native_rate"]): 1}).items()
                     for _ in range(int(c))]
        else:
            rates = []
            for u in files[:50]:
                try:
                    rates.append(decode(u)[1])
                except Exception:
                    continue
        arr = np.load(path, mmap_mode="r")
        new.update(_stream_info(arr, int(old.get("sr", sr)), rates))
        new.setdefault("seconds", len(arr) / sr)
    if new != old:
        _write_metadata(path, new)


# Streams shorter than this are not drawn from (too short to give varied training windows).
MIN_STREAM_SECONDS = 5.0


def load_streams(cache: str, split: str) -> dict[str, str]:
    """speaker -> stream .npy path for one split."""
    out = {}
    for npy, meta in corpus.cached_arrays(os.path.join(cache, "speech")):
        if meta["split"] == split and meta["seconds"] > MIN_STREAM_SECONDS:
            out[meta["speaker"]] = npy
    return out


def stream_metadata(cache: str):
    """The metadata JSON of every speaker stream in the cache (none when there is no speech yet)."""
    for _, meta in corpus.cached_arrays(os.path.join(cache, "speech")):
        yield meta


def stream_weights(cache: str, split: str, speakers: list[str]) -> list[float]:
    """Draw weight of each speaker's stream (metadata "weight", default 1.0)."""
    by = {m["speaker"]: float(m.get("weight", 1.0)) for m in stream_metadata(cache)
          if m["split"] == split}
    return [by.get(s, 1.0) for s in speakers]


def main(argv=None) -> None:
    """The streams of the original speech packages (corpus.SPEECH_PACKAGES); data.voices builds
    these and every other voice package, by the same code."""
    import sys

    from . import voices
    voices.main(["--only", *corpus.SPEECH_PACKAGES] + list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    main()
