"""Extra TRAINING speakers for the two-talker mixtures (never validation or test speakers).

/usr/bin/python3 -m unweave_train.data.extra_speakers            # after data.speech

Two kinds, both written as speech streams beside the real ones (<cache>/speech/*.npy + .json,
split "train", with a draw "weight" that gives each kind a fixed share of the talker draws,
whatever the number of real voices):

- **speed-perturbed real voices**: every real training speaker's stream resampled by a factor
  (0.89: slower, lower pitch and formants; 1.12: faster, higher), a standard way to make new
  pseudo-speakers from real recordings (pitch and vocal-tract length both move).
- **espeak-ng voices**: formant-synthesised speech, one stream per (language, variant, pitch,
  speed), reading the Tux Paint stamp descriptions of that language (tuxpaint-stamps-default).

No Dutch (the test speakers' language) and no Greek / Danish (the validation readers') voices.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import tempfile
from math import gcd

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from . import corpus
from .speech import normalise, trim

SR = 16000
# (factor, up, down): speed factor f -> resample by down/up samples (f > 1: shorter, higher)
SPEED_FACTORS = [(0.89, 9, 8), (1.12, 25, 28)]
# (espeak-ng voice, pitch 0-99, speed wpm); language = the part before "+"
ESPEAK_VOICES = [
    ("en+m1", 35, 160), ("en+f2", 65, 170), ("de+m3", 45, 150), ("de+f4", 70, 165),
    ("fr+m2", 30, 170), ("fr+f3", 60, 155), ("es+m4", 50, 175), ("es+f1", 75, 160),
    ("it+m7", 40, 150), ("pt+f5", 55, 165), ("pl+m5", 25, 155), ("sv+f2", 80, 150),
    ("fi+m6", 55, 160), ("hu+f4", 45, 170), ("tr+m2", 60, 165), ("cs+klatt2", 40, 155),
]
# default share of all talker draws per kind; real voices take the rest. With ~180 real
# training voices (data.voices) the Model 1.0 recipe skips speed perturbation (--no-speed) and
# keeps espeak-ng at a tenth: synthetic voices widen the pitch/language range, real ones teach.
SHARE = {"speed": 0.25, "espeak": 0.1}


def tux_texts(pkgs: str, lang: str, limit: int = 400) -> list[str]:
    """Stamp description sentences in one language (English: the untagged first line)."""
    out = []
    files = sorted(glob.glob(os.path.join(pkgs, "tuxpaint-stamps-default", "**", "*.txt"),
                             recursive=True))
    for p in files:
        try:
            lines = open(p, encoding="utf-8", errors="replace").read().splitlines()
        except OSError:
            continue
        if lang == "en":
            if lines and "=" not in lines[0][:12]:
                out.append(lines[0].strip())
        else:
            for ln in lines:
                if ln.startswith(lang + ".utf8="):
                    out.append(ln.split("=", 1)[1].strip())
        if len(out) >= limit:
            break
    return [t for t in out if len(t) > 8]


def _save(out_dir: str, speaker: str, x: np.ndarray, weight: float, extra: dict) -> str:
    path = os.path.join(out_dir, speaker.replace(":", "_").replace("@", "_").replace("+", "_") + ".npy")
    np.save(path + ".tmp.npy", x.astype(np.float16))
    os.replace(path + ".tmp.npy", path)
    meta = {"speaker": speaker, "split": "train", "sr": SR, "seconds": len(x) / SR,
            "weight": weight, "files": [], **extra}
    with open(path[:-4] + ".json", "w") as f:
        json.dump(meta, f)
    return path


def real_train_speakers(speech_dir: str) -> dict[str, str]:
    out = {}
    for name in sorted(os.listdir(speech_dir)):
        if name.endswith(".json"):
            with open(os.path.join(speech_dir, name)) as f:
                meta = json.load(f)
            # real voices: kind "real" (data.voices), or no kind (streams built before it)
            if meta["split"] == "train" and meta.get("kind", "real") == "real" and meta["seconds"] > 5:
                out[meta["speaker"]] = os.path.join(speech_dir, name[:-5] + ".npy")
    return out


def speed_perturbed(speech_dir: str, real: dict[str, str], weight: float) -> None:
    for spk, npy in sorted(real.items()):
        x = np.load(npy).astype(np.float32)
        for f, up, down in SPEED_FACTORS:
            name = f"{spk}@sp{f:.2f}"
            y = resample_poly(x, up, down).astype(np.float32)
            # the stream is already loudness-normalised per utterance: keep the level
            _save(speech_dir, name, y, weight, {"kind": "speed", "from": spk, "factor": f})
            print("speed-perturbed", name, f"{len(y) / SR:.0f} s", flush=True)


def espeak_stream(voice: str, pitch: int, speed: int, texts: list[str], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    parts = []
    with tempfile.TemporaryDirectory() as tmp:
        # ~40 sentences per call (one process start per call), split later by silence-free
        # concatenation: espeak-ng's own sentence pauses remain inside each call's output.
        for i in range(0, len(texts), 40):
            txt = os.path.join(tmp, "t.txt")
            wav = os.path.join(tmp, "o.wav")
            with open(txt, "w", encoding="utf-8") as f:
                f.write("\n\n".join(texts[i:i + 40]) + "\n")
            subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed),
                            "-f", txt, "-w", wav], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            x, fs = sf.read(wav, dtype="float32", always_2d=True)
            x = x.mean(axis=1)
            g = gcd(int(fs), SR)
            x = resample_poly(x, SR // g, int(fs) // g).astype(np.float32)
            x = trim(x, SR)
            if len(x) < SR:
                continue
            parts.append(normalise(x, SR))
            parts.append(np.zeros(int(rng.uniform(0.1, 0.4) * SR), dtype=np.float32))
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def espeak_speakers(speech_dir: str, pkgs: str, weight: float) -> None:
    for j, (voice, pitch, speed) in enumerate(ESPEAK_VOICES):
        lang = voice.split("+")[0]
        texts = tux_texts(pkgs, lang) or tux_texts(pkgs, "en")
        x = espeak_stream(voice, pitch, speed, texts, seed=j)
        if len(x) < 10 * SR:
            print("espeak voice too short, skipped", voice, flush=True)
            continue
        name = f"espeak:{voice}-p{pitch}-s{speed}"
        _save(speech_dir, name, x, weight, {"kind": "espeak", "voice": voice, "pitch": pitch,
                                            "speed": speed, "sentences": len(texts)})
        print("espeak", name, f"{len(x) / SR:.0f} s", flush=True)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description="Extra training speakers (speed-perturbed, espeak-ng)")
    p.add_argument("--cache", default=corpus.CACHE)
    p.add_argument("--no-speed", action="store_true")
    p.add_argument("--no-espeak", action="store_true")
    p.add_argument("--speed-share", type=float, default=SHARE["speed"])
    p.add_argument("--espeak-share", type=float, default=SHARE["espeak"])
    args = p.parse_args(argv)
    speech_dir = os.path.join(args.cache, "speech")
    real = real_train_speakers(speech_dir)
    n_real = len(real)
    speed = 0.0 if args.no_speed else args.speed_share
    espeak = 0.0 if args.no_espeak else args.espeak_share
    real_share = 1.0 - speed - espeak
    if real_share <= 0 or n_real == 0:
        raise SystemExit("extra_speakers: no real training voices left to share the draws with")
    # each real voice weighs 1: a kind of n streams with share s weighs s / real_share * n_real / n
    if speed > 0:
        n = n_real * len(SPEED_FACTORS)
        speed_perturbed(speech_dir, real, speed / real_share * n_real / n)
    if espeak > 0:
        n = len(ESPEAK_VOICES)
        espeak_speakers(speech_dir, os.path.join(args.cache, "pkgs"),
                        espeak / real_share * n_real / n)


if __name__ == "__main__":
    main()
