"""Tracker modules (MOD/S3M/XM/IT shipped with Debian games) rendered one channel at a time with
xmp: real multitrack music (many with recorded samples), with exact stems.

/usr/bin/python3 -m unweave_train.data.modules      # -> cache/render/modules-orig/<key>.npy

Each channel is rendered alone (`xmp --solo N`, mono, the model rate, the first 90 s); the solo
renders of a module sum to its full mix (xmp mixes channels linearly). A module is split
train/val/test by a stable hash of its id, like the MIDI pieces; a tracker channel may change
instrument over time (drums and bass on one channel), so its stems are closer to the "grouped"
music examples than to single instruments. The cache entries have the same format as
render.render_piece's (mode 'orig', bank 'modules'), so MixtureSampler draws them as a music bank.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import subprocess
import tempfile
from multiprocessing import Pool
from typing import Optional

import numpy as np
import soundfile as sf

from . import corpus
from .render import piece_key, render_dir

MODULE_PACKAGES = ["tecnoballz-data", "pingus-data", "bomberclone-data", "pachi-data",
                   "circuslinux-data", "ri-li-data", "njam-data", "ceferino-data"]
EXTENSIONS = (".mod", ".s3m", ".xm", ".it")
BANK = "modules"


def module_files(pkgs: str = corpus.PKGS) -> list[dict]:
    """Every tracker module of MODULE_PACKAGES: {id, package, path, split}."""
    out = []
    for pkg in MODULE_PACKAGES:
        root = os.path.join(pkgs, pkg)
        for p in sorted(glob.glob(os.path.join(root, "**", "*"), recursive=True)):
            if p.lower().endswith(EXTENSIONS) and os.path.isfile(p):
                mid = pkg + ":" + os.path.relpath(p, root)
                out.append({"id": mid, "package": pkg, "path": p, "split": corpus.split_of(mid)})
    return out


def channel_count(path: str) -> int:
    """Number of channels xmp reports for a module (0 when it cannot load it)."""
    r = subprocess.run(["xmp", "--load-only", "-v", "--nocmd", "-d", "null", path],
                       capture_output=True, text=True)
    m = re.search(r"^Channels\s*:\s*(\d+)", r.stdout + r.stderr, re.MULTILINE)
    return int(m.group(1)) if m else 0


def xmp_render(path: str, wav: str, sr: int, seconds: float,
               solo: Optional[int] = None) -> np.ndarray:
    """Render a module (or one channel of it) to mono float32 at sr; at most `seconds`."""
    cmd = ["xmp", "--nocmd", "-q", "-m", "-f", str(sr), "-t", str(int(seconds)), "-d", "wav",
           "-o", wav]
    if solo is not None:
        cmd += ["-S", str(solo)]
    subprocess.run(cmd + [path], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    x, _ = sf.read(wav, dtype="float32", always_2d=True)
    return x.mean(axis=1)[: int(seconds * sr)]


def render_module(mod: dict, out_dir: str, sr: int = 16000, seconds: float = 90.0,
                  min_peak: float = 1e-3) -> Optional[str]:
    """Render one module's channels to <out_dir>/<key>.npy (float16 [channels, samples]) and
    .json; channels quieter than min_peak are left out; None when fewer than 2 remain."""
    key = piece_key(mod["id"])
    npy = os.path.join(out_dir, key + ".npy")
    if os.path.exists(npy) and os.path.exists(npy[:-4] + ".json"):
        return npy
    n_ch = channel_count(mod["path"])
    if n_ch < 2:
        return None
    stems, kept = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for ch in range(n_ch):
            x = xmp_render(mod["path"], os.path.join(tmp, f"c{ch}.wav"), sr, seconds, solo=ch)
            if len(x) == 0 or float(np.abs(x).max()) < min_peak:
                continue
            stems.append(x)
            kept.append({"channel": ch, "program": None, "transpose": 0, "drums": False,
                         "lead": False})
    if len(stems) < 2:
        return None
    n = max(len(s) for s in stems)
    arr = np.zeros((len(stems), n), dtype=np.float16)
    for i, s in enumerate(stems):
        arr[i, : len(s)] = s.astype(np.float16)
    os.makedirs(out_dir, exist_ok=True)
    np.save(npy + ".tmp.npy", arr)
    os.replace(npy + ".tmp.npy", npy)
    with open(npy[:-4] + ".json", "w") as f:
        json.dump({"id": mod["id"], "split": mod["split"], "bank": BANK, "mode": "orig",
                   "sr": sr, "voices": kept, "channels": n_ch}, f)
    return npy


def _job(args):
    mod, out_dir, sr, seconds = args
    try:
        return render_module(mod, out_dir, sr, seconds)
    except Exception as e:  # a broken module must not stop the whole cache
        print("module render failed", mod["id"], e, flush=True)
        return None


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description="Render tracker modules one channel at a time (xmp)")
    p.add_argument("--cache", default=corpus.CACHE)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--max-seconds", type=float, default=90.0)
    args = p.parse_args(argv)
    mods = module_files(os.path.join(args.cache, "pkgs"))
    out_dir = render_dir(args.cache, BANK, "orig")
    tasks = [(m, out_dir, 16000, args.max_seconds) for m in mods]
    with Pool(args.workers) as pool:
        for m, r in zip(mods, pool.imap(_job, tasks)):
            print(("rendered " if r else "skipped ") + m["id"] + f" ({m['split']})", flush=True)


if __name__ == "__main__":
    main()
