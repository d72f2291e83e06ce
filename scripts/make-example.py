#!/usr/bin/python3
"""Renders the bundled example, examples/trio.flac: 15 s of a piano/violin/cello trio.

Source: simutrans-data (Debian), music/28-Road-to-Warm-Places.mid (Artistic-1.0),
three voices mapped to GM programs 0 (piano), 40 (violin), 42 (cello) by the training package's
trio rule, rendered one voice at a time with FluidSynth and FluidR3_GM (MIT) at 44.1 kHz stereo,
the 15 s in which every voice plays from the first half second and the least busy one plays the
most (no rest: the app's first screen shows all three at work), summed and scaled to -1 dBFS. The piece is in the training data's *test* split, so the
shipped model never trained on it. Needs the training cache's unpacked packages
(see training/README.md) plus fluidsynth and fluid-soundfont-gm.
Usage: /usr/bin/python3 scripts/make-example.py [out.flac] [--stems DIR]
"""
import os
import subprocess
import sys
import tempfile

import mido
import numpy as np
import soundfile as sf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "training"))
from unweave_train.data import corpus  # noqa: E402
from unweave_train.data.midi import channel_stats, extract_channel, trio_voices  # noqa: E402

PIECE = "simutrans-data:usr/share/games/simutrans/music/28-Road-to-Warm-Places.mid"
SECONDS = 15.0
RENDER_SECONDS = 90.0
SR = 44100


def main() -> None:
    args = sys.argv[1:]
    stems_dir = None
    if "--stems" in args:
        i = args.index("--stems")
        stems_dir = args[i + 1]
        del args[i : i + 2]
    out = args[0] if args else os.path.join(HERE, "..", "examples", "trio.flac")
    piece = next(p for p in corpus.midi_pieces() if p["id"] == PIECE)
    mid = mido.MidiFile(piece["path"])
    voices = trio_voices(channel_stats(mid, 30.0))  # the rule needs ~30 s of notes to choose
    stems = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (ch, prog, tr) in enumerate(voices):
            m = extract_channel(mid, ch, program=prog, transpose=tr, out_channel=i, max_seconds=RENDER_SECONDS)
            mp, wp = os.path.join(tmp, f"v{i}.mid"), os.path.join(tmp, f"v{i}.wav")
            m.save(mp)
            subprocess.run(["fluidsynth", "-ni", "-q", "-R", "0", "-C", "0", "-g", "0.6", "-r", str(SR),
                            "-O", "s16", "-T", "wav", "-F", wp, corpus.BANKS["fluidr3"], mp], check=True)
            x, _ = sf.read(wp, dtype="float64", always_2d=True)
            stems.append(x)
    full = np.zeros((len(stems), max(len(s) for s in stems), 2))
    for i, s in enumerate(stems):
        full[i, : len(s)] = s
    # The window (0.25 s steps) where every voice plays the most of the time, from its very first
    # half second: the first screen of the app shows three sources at work, never a rest.
    n = int(SECONDS * SR)
    block = SR // 4
    blocks = full.shape[1] // block
    energy = (full[:, : blocks * block] ** 2).sum(axis=2).reshape(len(stems), blocks, block).mean(axis=2)
    active = energy > energy.max(axis=1, keepdims=True) * 10 ** (-40 / 10)  # within 40 dB of its loudest
    per = n // block

    def score(b: int) -> tuple:
        a = active[:, b : b + per]
        starts_together = bool(a[:, :2].all())  # every voice in the first half second
        plays = a.mean(axis=1).min()  # the least busy voice's share of the window
        even = (energy[:, b : b + per].mean(axis=1) / energy[:, b : b + per].mean(axis=1).max()).min()
        return (starts_together, round(float(plays), 2), float(even))

    best_block = max(range(0, max(1, blocks - per)), key=score)
    best = best_block * block
    print(f"window score (all start, least busy voice's share, evenness): {score(best_block)}")
    arr = full[:, best : best + n]
    scale = 10 ** (-1 / 20) / np.abs(arr.sum(axis=0)).max()
    mix = arr.sum(axis=0) * scale
    sf.write(out, mix, SR, subtype="PCM_16")
    if stems_dir:
        os.makedirs(stems_dir, exist_ok=True)
        for i, name in enumerate(f"voice{j + 1}-program{v[1]}" for j, v in enumerate(voices)):
            sf.write(os.path.join(stems_dir, f"{name}.wav"), arr[i] * scale, SR, subtype="FLOAT")
    print(f"wrote {out}: {len(stems)} voices, {SECONDS} s from {best / SR:.0f} s, {SR} Hz stereo")


if __name__ == "__main__":
    main()
