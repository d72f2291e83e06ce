"""Write the held-out test splits as WAV files + manifest.json (read by evaluate.py and by the
engine's `npm run eval`).

/usr/bin/python3 -m unweave_train.data.testsets --out training/cache/testsets

<out>/<split>/manifest.json:
  {"split", "category", "description", "sampleRate",
   "mixtures": [{"id", "mix": "<id>_mix.wav", "sources": ["<id>_s0.wav", ...],
                 "sourceNames": [...], "category"}]}
Paths are relative to the split folder. Files are float32 WAV; the sources sum to the mix
exactly (up to float32 rounding). Synthetic splits are 16 kHz mono; Frets on Fire excerpts keep
the songs' 44.1 kHz stereo.

The splits are regenerated from their seeds on every machine, so the random draws of
MixtureSampler are part of their definition: a change to them changes the test splits (see
test_data.py). `--val` writes the validation splits (VAL_SPLITS) to cache/valsets,
`--stereo-val` the stereo ones (STEREO_VAL_SPLITS) to cache/valsets-stereo.
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np
import soundfile as sf

from . import corpus
from . import render as render_mod
from .mixtures import MixtureSampler, active_channels, set_level

SR = 16000

# name, category, sampler kind, bank, k, mixtures, seconds, description
SPLITS = [
    ("trio_pieces", "trio", "trio", "fluidr3", 3, 24, 6.0,
     "piano/violin/cello trio, unseen pieces, FluidR3_GM (training bank)"),
    ("trio_bank", "trio", "trio", "timgm6mb", 3, 24, 6.0,
     "piano/violin/cello trio, unseen pieces, TimGM6mb (held-out sample bank)"),
    ("music2", "other", "music", "fluidr3", 2, 20, 6.0, "2 instruments of unseen pieces, FluidR3_GM"),
    ("music3", "other", "music", "fluidr3", 3, 20, 6.0, "3 instruments of unseen pieces, FluidR3_GM"),
    ("music4", "other", "music", "fluidr3", 4, 20, 6.0, "4 instruments of unseen pieces, FluidR3_GM"),
    ("speech2", "speech", "speech", None, 2, 30, 6.0,
     "two talkers, unseen speakers (fillets-ng-data-nl actors), loudness-normalised, +-5 dB"),
]
# Validation splits, for choosing inference settings (never the test splits): the same recipes
# on the validation pieces and speakers (corpus.split_of), FluidR3_GM only (the one bank with
# validation renders). Written by --val to cache/valsets.
VAL_SPLITS = [
    ("val_trio", "trio", "trio", "fluidr3", 3, 24, 6.0, "piano/violin/cello trio, validation pieces"),
    ("val_music2", "other", "music", "fluidr3", 2, 20, 6.0, "2 instruments of validation pieces"),
    ("val_music3", "other", "music", "fluidr3", 3, 20, 6.0, "3 instruments of validation pieces"),
    ("val_music4", "other", "music", "fluidr3", 4, 20, 6.0, "4 instruments of validation pieces"),
    ("val_speech2", "speech", "speech", None, 2, 30, 6.0, "two talkers, validation speakers"),
]
# Stereo validation splits (--stereo-val, cache/valsets-stereo): validation pieces panned and
# reverberated by data.stereo, for choosing the engine's stereo cue (Frets on Fire is test).
# name, sampler kind ('lead' or 'band'), k, mixtures, seconds, description
STEREO_VAL_SPLITS = [
    ("val_stereo_lead", "lead", 2, 40, 10.0,
     "lead guitar vs the band, validation pieces, panned + shared reverb (16 kHz stereo)"),
    ("val_stereo_band2", "band", 2, 30, 10.0,
     "every instrument in one of 2 groups, validation pieces, panned + shared reverb"),
    ("val_stereo_band3", "band", 3, 30, 10.0,
     "every instrument in one of 3 groups, validation pieces, panned + shared reverb"),
]
FOF_SECONDS = 20.0
# The held-out bank (TimGM6mb) as users' files are: its test pieces rendered at 44.1 kHz stereo
# (render --held-out-stereo). name, category, render mode, k, mixtures, seconds, description.
HELD_OUT_SPLITS = [
    ("bank_trio", "trio", "trio", 3, 24, 8.0,
     "piano/violin/cello trio, unseen pieces, TimGM6mb (held-out bank), 44.1 kHz stereo"),
    ("bank_ens2", "other", "orig", 2, 20, 8.0,
     "2 instruments of unseen pieces, TimGM6mb (held-out bank), 44.1 kHz stereo"),
    ("bank_ens3", "other", "orig", 3, 20, 8.0,
     "3 instruments of unseen pieces, TimGM6mb (held-out bank), 44.1 kHz stereo"),
    ("bank_ens4", "other", "orig", 4, 20, 8.0,
     "4 instruments of unseen pieces, TimGM6mb (held-out bank), 44.1 kHz stereo"),
]
GM_NAMES = {0: "piano", 40: "violin", 42: "cello"}


def _write(dirp: str, mid: str, sources: np.ndarray, sr: int, names: list[str], category: str) -> dict:
    """Write <id>_mix.wav and <id>_s<i>.wav; sources [k, n] (mono) or [k, n, ch]."""
    mix = sources.sum(axis=0)
    sf.write(os.path.join(dirp, f"{mid}_mix.wav"), mix, sr, subtype="FLOAT")
    files = []
    for i, s in enumerate(sources):
        f = f"{mid}_s{i}.wav"
        sf.write(os.path.join(dirp, f), s, sr, subtype="FLOAT")
        files.append(f)
    return {"id": mid, "mix": f"{mid}_mix.wav", "sources": files, "sourceNames": names,
            "category": category}


def synthetic_split(cache: str, out: str, spec, seed: int = 2026, split: str = "test") -> dict:
    """One split of `spec` (SPLITS, VAL_SPLITS) from the pieces and speakers of `split`."""
    name, category, kind, bank, k, count, seconds, desc = spec
    dirp = os.path.join(out, name)
    os.makedirs(dirp, exist_ok=True)
    if kind == "speech":
        sampler = MixtureSampler(cache, split, music_banks=(), trio_banks=(), speech_split=split)
    else:
        sampler = MixtureSampler(cache, split, music_banks=(bank,), trio_banks=(bank,))
    rng = np.random.default_rng([seed, int(corpus.stable_unit(name) * 1e9)])
    n = int(seconds * SR)
    items = []
    names = {"trio": ["violin", "piano", "cello"], "speech": [f"talker{i+1}" for i in range(k)]}
    for i in range(count):
        src = sampler.sample(rng, kind, n, k=k, grouped=False)
        items.append(_write(dirp, f"{name}_{i:03d}", src, SR,
                            names.get(kind, [f"instrument{j+1}" for j in range(k)]), category))
    man = {"split": name, "category": category, "description": desc, "sampleRate": SR,
           "mixtures": items}
    with open(os.path.join(dirp, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1)
    return man


def stereo_split(cache: str, out: str, spec, seed: int = 2026) -> dict:
    """One stereo validation split of `spec` (STEREO_VAL_SPLITS): sources [k, n, 2] at 16 kHz."""
    from .stereo import sample_stereo

    name, kind, k, count, seconds, desc = spec
    dirp = os.path.join(out, name)
    os.makedirs(dirp, exist_ok=True)
    sampler = MixtureSampler(cache, "val", music_banks=("fluidr3",), trio_banks=())
    rng = np.random.default_rng([seed, int(corpus.stable_unit(name) * 1e9)])
    n = int(seconds * SR)
    names = ["lead", "band"] if kind == "lead" else [f"group{j+1}" for j in range(k)]
    items = [_write(dirp, f"{name}_{i:03d}", sample_stereo(sampler, rng, kind, n, k, SR), SR,
                    names, "stereo")
             for i in range(count)]
    man = {"split": name, "category": "stereo", "description": desc, "sampleRate": SR,
           "mixtures": items}
    with open(os.path.join(dirp, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1)
    return man


def held_out_split(cache: str, out: str, spec, seed: int = 2026) -> dict:
    """One split of `spec` (HELD_OUT_SPLITS) from the held-out bank's stereo test renders:
    sources [k, n, 2] at 44.1 kHz. Each mixture: a seeded piece and window, k of its active
    voices (all three for the trio), each voice's mono RMS equalised then +-5 dB, the mixture's
    peak (over both channels) uniform in [0.05, 0.9]."""
    name, category, mode, k, count, seconds, desc = spec
    pieces = render_mod.load_rendered(cache, corpus.TEST_BANK, mode, "test", render_mod.HELD_OUT_TAG)
    if mode == "trio":
        pieces = [p for p in pieces if len(p["voices"]) == 3]
    if not pieces:
        raise RuntimeError(f"no {corpus.TEST_BANK} {mode} stereo test renders "
                           "(run unweave_train.data.render --held-out-stereo)")
    sr = int(pieces[0]["sr"])
    dirp = os.path.join(out, name)
    os.makedirs(dirp, exist_ok=True)
    rng = np.random.default_rng([seed, int(corpus.stable_unit(name) * 1e9)])
    n = int(seconds * sr)
    items = []
    while len(items) < count:
        for _ in range(500):
            piece = pieces[int(rng.integers(len(pieces)))]
            arr = np.load(piece["npy"], mmap_mode="r")  # [voices, 2, samples]
            start = int(rng.integers(0, max(1, arr.shape[-1] - n)))
            seg = np.asarray(arr[:, :, start:start + n], dtype=np.float32)
            if seg.shape[-1] < n:
                continue
            act = active_channels(seg.mean(axis=1))
            if len(act) < k:
                continue
            pick = act if mode == "trio" else np.sort(rng.choice(act, size=k, replace=False))
            src = seg[pick]
            rms = np.sqrt(np.mean(src.mean(axis=1).astype(np.float64) ** 2, axis=1)) + 1e-12
            src = src * (10 ** (rng.uniform(-5.0, 5.0, size=k) / 20) / rms)[:, None, None]
            src = set_level(src, rng)
            names = [GM_NAMES.get(piece["voices"][j]["program"], f"instrument{i + 1}")
                     if mode == "trio" else f"instrument{i + 1}" for i, j in enumerate(pick)]
            items.append(_write(dirp, f"{name}_{len(items):03d}",
                                np.ascontiguousarray(src.transpose(0, 2, 1)), sr, names, category))
            break
        else:
            raise RuntimeError(f"{name}: no window with {k} active voices in 500 draws")
    man = {"split": name, "category": category, "description": desc, "sampleRate": sr,
           "mixtures": items}
    with open(os.path.join(dirp, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1)
    return man


def fof_split(out: str, pkgs: str) -> dict:
    """Frets on Fire: one excerpt per song from the middle, guitar vs everything else."""
    dirp = os.path.join(out, "fof")
    os.makedirs(dirp, exist_ok=True)
    items = []
    for song in corpus.fof_songs(pkgs):
        g, sr = sf.read(song["guitar"], dtype="float32", always_2d=True)
        b, sr2 = sf.read(song["song"], dtype="float32", always_2d=True)
        assert sr == sr2
        L = min(len(g), len(b))
        n = int(FOF_SECONDS * sr)
        # the 20 s window (1 s steps) where the guitar's share of the energy is closest to half
        best, best_start = None, max(0, L // 2 - n // 2)
        for start in range(int(10 * sr), max(int(10 * sr) + 1, L - n - int(10 * sr)), sr):
            eg = float(np.mean(g[start:start + n] ** 2))
            eb = float(np.mean(b[start:start + n] ** 2))
            r = abs(10 * np.log10((eg + 1e-12) / (eb + 1e-12)))
            if best is None or r < best:
                best, best_start = r, start
        src = np.stack([g[best_start:best_start + n], b[best_start:best_start + n]])
        peak = float(np.abs(src.sum(0)).max())
        if peak > 0.99:
            src = src * (0.99 / peak)
        mid = "fof_" + song["id"].replace(":", "_").replace(" ", "_").lower()
        items.append(_write(dirp, mid, src, sr, ["guitar", "band"], "real"))
    man = {"split": "fof", "category": "real",
           "description": "Frets on Fire songs (fretsonfire-songs-muldjord/-sectoid): lead guitar "
                          "vs the rest of the band, 20 s excerpts, 44.1 kHz stereo; evaluation only",
           "sampleRate": 44100, "mixtures": items}
    with open(os.path.join(dirp, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1)
    return man


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description="Write the test splits (WAV + manifest.json)")
    p.add_argument("--out", default=None, help="default: cache/testsets (cache/valsets with --val)")
    p.add_argument("--cache", default=corpus.CACHE)
    p.add_argument("--only", nargs="*", default=None)
    p.add_argument("--val", action="store_true",
                   help="write the validation splits instead (default --out: cache/valsets)")
    p.add_argument("--times", type=int, default=1,
                   help="N times the mixtures of each synthetic split (the first ones are the "
                        "same as with 1: the draws are sequential); use another --out")
    p.add_argument("--stereo-val", action="store_true",
                   help="write the stereo validation splits (STEREO_VAL_SPLITS; default --out: "
                        "cache/valsets-stereo)")
    args = p.parse_args(argv)
    if args.stereo_val:
        out = args.out or os.path.join(corpus.CACHE, "valsets-stereo")
        for spec in STEREO_VAL_SPLITS:
            if not args.only or spec[0] in args.only:
                print(spec[0], len(stereo_split(args.cache, out, spec)["mixtures"]), flush=True)
        return
    specs, split, default_out = (VAL_SPLITS, "val", "valsets") if args.val else (SPLITS, "test", "testsets")
    out = args.out or os.path.join(corpus.CACHE, default_out)
    for spec in specs:
        if args.only and spec[0] not in args.only:
            continue
        if args.times != 1:
            spec = spec[:5] + (spec[5] * args.times,) + spec[6:]
        man = synthetic_split(args.cache, out, spec, split=split)
        print(spec[0], len(man["mixtures"]), flush=True)
    if not args.val:
        for spec in HELD_OUT_SPLITS:
            if not args.only or spec[0] in args.only:
                print(spec[0], len(held_out_split(args.cache, out, spec)["mixtures"]), flush=True)
    if not args.val and (not args.only or "fof" in args.only):
        man = fof_split(out, os.path.join(args.cache, "pkgs"))
        print("fof", len(man["mixtures"]), flush=True)


if __name__ == "__main__":
    main()
