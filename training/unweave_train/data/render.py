"""Render MIDI pieces one channel at a time with FluidSynth (SoundFonts) into cached stems.

Cache: <cache>/render/<bank>-<mode>/<key>.npy, float16 [channels, samples] at the model rate,
and <key>.json ({id, channels: [{channel, program, transpose}], sr}). The stems of a piece sum
to its mixture exactly (they are rendered separately and summed by us).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import tempfile
from multiprocessing import Pool
from typing import Optional

import numpy as np
import soundfile as sf

from . import corpus
from .midi import DRUM_CHANNEL, channel_stats, extract_channel, trio_voices

FLUIDSYNTH_GAIN = 0.6

# GM programs (bank 0) of a training bank whose presets use a sample of the held-out bank
# (`python3 -m unweave_train.data.banks overlap <bank> TimGM6mb.sf2`, 2026-12-02): channels
# playing them are not rendered. Such a bank's own drum kits share samples too: its drum
# channel is played by one of DRUM_KITS (chosen by a hash of the piece id) instead.
EXCLUDED_PROGRAMS = {"generaluser": frozenset({31, 79, 101, 111, 114, 115})}
DRUM_KITS = {"generaluser": ("avl-blackpearl", "avl-redzeppelin")}


def piece_key(piece_id: str) -> str:
    """File-name-safe key of a piece id."""
    base = piece_id.split(":")[-1].replace("/", "_").replace(" ", "_")
    return base[:40] + "-" + hashlib.sha1(piece_id.encode()).hexdigest()[:8]


def fluidsynth_render(midi_path: str, bank_path: str, wav_path: str, sr: int) -> None:
    """Render one MIDI file (reverb and chorus off) to a 16-bit WAV."""
    subprocess.run(
        ["fluidsynth", "-ni", "-q", "-R", "0", "-C", "0", "-g", str(FLUIDSYNTH_GAIN),
         "-r", str(sr), "-O", "s16", "-T", "wav", "-F", wav_path, bank_path, midi_path],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def synth_render(midi_path: str, bank: str, wav_path: str, sr: int) -> None:
    """Render with the SoundFont of `bank` (a key of corpus.BANKS)."""
    fluidsynth_render(midi_path, corpus.BANKS[bank], wav_path, sr)


# "lead" mode: one melodic channel played by a guitar (mostly overdriven or distorted), first in
# the list, the piece's other channels as they are: "lead guitar vs the band" mixtures.
LEAD_PROGRAMS = (29, 30, 29, 30, 27, 25)  # overdriven x2, distortion x2, clean electric, steel


def lead_voices(stats: dict, piece_id: str, min_notes: int = 20):
    """[(lead channel, guitar program, transpose)] + [(channel, None, 0) for the others], or
    None without a melodic channel of min_notes notes and at least one other channel. The lead
    and its program are a function of the piece id; the lead is moved by octaves into a guitar's
    range (mean pitch 52..76)."""
    cands = sorted(c for c, s in stats.items() if c != DRUM_CHANNEL and s["notes"] >= min_notes)
    others = [c for c in sorted(stats) if stats[c]["notes"] >= 8]
    if not cands or len(others) < 2:
        return None
    h = int(hashlib.sha1(("lead:" + piece_id).encode()).hexdigest(), 16)
    lead = cands[h % len(cands)]
    prog = LEAD_PROGRAMS[(h // 7) % len(LEAD_PROGRAMS)]
    shift, mp = 0, stats[lead]["mean_pitch"]
    while mp + shift < 52:
        shift += 12
    while mp + shift > 76:
        shift -= 12
    return [(lead, prog, shift)] + [(c, None, 0) for c in others if c != lead]


def voices_of(mid, mode: str, max_seconds: float,
              piece_id: str = "") -> Optional[list[tuple[int, Optional[int], int]]]:
    """Channels to render: (channel, program or None, transpose)."""
    stats = channel_stats(mid, max_seconds)
    if mode == "trio":
        return trio_voices(stats)
    if mode == "lead":
        return lead_voices(stats, piece_id)
    return [(c, None, 0) for c in sorted(stats) if stats[c]["notes"] >= 8]


def bank_voices(voices: list, stats: dict, bank: str, piece_id: str) -> list:
    """(channel, program, transpose, synth bank) of the voices `bank` may render: a voice whose
    program (forced, or else any set on its channel) is in EXCLUDED_PROGRAMS[bank] is left out;
    the drum channel goes to one of DRUM_KITS[bank] when the bank has them."""
    excluded = EXCLUDED_PROGRAMS.get(bank, frozenset())
    kits = DRUM_KITS.get(bank)
    out = []
    for ch, prog, tr in voices:
        if ch == DRUM_CHANNEL and prog is None:
            if kits:
                h = int(hashlib.sha1(("kit:" + piece_id).encode()).hexdigest(), 16)
                out.append((ch, prog, tr, kits[h % len(kits)]))
            elif not excluded:
                out.append((ch, prog, tr, bank))
            continue
        programs = {prog} if prog is not None else stats.get(ch, {}).get("programs", {0})
        if not programs & excluded:
            out.append((ch, prog, tr, bank))
    return out


def _piece_to_render(piece: dict, mode: str, out_dir: str, max_seconds: float):
    """A piece's <out_dir>/<key>.npy and, while it is still to render, its MIDI file and voices:
    (npy, None) when it is rendered already, (None, None) when it cannot be read or has no voices."""
    import mido

    npy = os.path.join(out_dir, piece_key(piece["id"]) + ".npy")
    if os.path.exists(npy) and os.path.exists(npy[:-4] + ".json"):
        return npy, None
    try:
        mid = mido.MidiFile(piece["path"])
    except Exception:
        return None, None
    voices = voices_of(mid, mode, max_seconds, piece["id"])
    return (npy, (mid, voices)) if voices else (None, None)


def _save_piece(out_dir: str, npy: str, arr: np.ndarray, meta: dict) -> None:
    """Writes a rendered piece: its stems (through a temporary file), then their metadata."""
    os.makedirs(out_dir, exist_ok=True)
    np.save(npy + ".tmp.npy", arr)
    os.replace(npy + ".tmp.npy", npy)
    with open(npy[:-4] + ".json", "w") as f:
        json.dump(meta, f)


def render_piece(piece: dict, bank: str, mode: str, out_dir: str, sr: int = 16000,
                 max_seconds: float = 90.0, stereo: bool = False) -> Optional[str]:
    """Render one piece's voices to <out_dir>/<key>.npy (+ .json); returns the path or None.
    The array is float16 [voices, samples], or with stereo [voices, 2, samples] (the
    synthesiser's own stereo: its presets' panning and stereo samples)."""
    npy, todo = _piece_to_render(piece, mode, out_dir, max_seconds)
    if todo is None:
        return npy
    mid, voices = todo
    voices = bank_voices(voices, channel_stats(mid, max_seconds), bank, piece["id"])
    stems = []
    kept = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (ch, prog, tr, synth) in enumerate(voices):
            out_ch = i if mode == "trio" else ch
            if synth != bank:  # a drum kit of its own: its one preset, on a melodic channel
                prog, out_ch = 0, 0
            m = extract_channel(mid, ch, program=prog, transpose=tr, out_channel=out_ch,
                                max_seconds=max_seconds)
            mp = os.path.join(tmp, f"c{i}.mid")
            wp = os.path.join(tmp, f"c{i}.wav")
            m.save(mp)
            synth_render(mp, synth, wp, sr)
            x, _ = sf.read(wp, dtype="float32", always_2d=True)
            x = x.T[:2] if stereo else x.mean(axis=1)
            if np.abs(x).max() < 1e-4:
                continue
            stems.append(x)
            kept.append({"channel": ch, "program": prog, "transpose": tr,
                         "drums": ch == DRUM_CHANNEL, "lead": mode == "lead" and i == 0})
    if len(stems) < 2 or (mode == "lead" and not kept[0]["lead"]):
        return None
    n = max(s.shape[-1] for s in stems)
    arr = np.zeros((len(stems),) + stems[0].shape[:-1] + (n,), dtype=np.float16)
    for i, s in enumerate(stems):
        arr[i, ..., : s.shape[-1]] = s.astype(np.float16)
    _save_piece(out_dir, npy, arr,
                {"id": piece["id"], "split": piece["split"], "bank": bank, "mode": mode, "sr": sr,
                 "voices": kept, "stereo": stereo})
    return npy


SECTION_GAP = 4.0  # seconds of silence between voices in a sequential render
TICKS_PER_SECOND = 960  # 480 ticks per beat at the fixed 120 bpm of a sequential render


def sequential_midi(mid, voices, max_seconds: float):
    """One MIDI file with every voice in its own time section (voice i starts at
    i * (max_seconds + SECTION_GAP) s) at a fixed tempo, so a slow-to-load bank is loaded once
    per piece instead of once per voice. Returns (MidiFile, section length in seconds)."""
    import mido

    section = float(int(max_seconds + SECTION_GAP))
    events = []
    for i, (ch, prog, tr) in enumerate(voices):
        oc = i if i < 9 else i + 1
        one = extract_channel(mid, ch, program=prog, transpose=tr, out_channel=oc,
                              max_seconds=max_seconds)
        sec, tempo = 0.0, 500000
        for m in one.tracks[0]:
            if m.time:
                sec += mido.tick2second(m.time, one.ticks_per_beat, tempo)
            if m.is_meta:
                if m.type == "set_tempo":
                    tempo = m.tempo
                continue
            events.append((round((i * section + min(sec, max_seconds)) * TICKS_PER_SECOND), m))
    events.sort(key=lambda e: e[0])
    out = mido.MidiFile(type=0, ticks_per_beat=480)
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=500000, time=0))
    prev = 0
    for tick, m in events:
        track.append(m.copy(time=tick - prev))
        prev = tick
    track.append(mido.MetaMessage("end_of_track", time=int(SECTION_GAP * TICKS_PER_SECOND)))
    out.tracks.append(track)
    return out, section


def render_piece_sequential(piece: dict, bank: str, mode: str, out_dir: str, sr: int = 16000,
                            max_seconds: float = 90.0) -> Optional[str]:
    """Like render_piece, with one FluidSynth run per piece (see sequential_midi)."""
    npy, todo = _piece_to_render(piece, mode, out_dir, max_seconds)
    if todo is None:
        return npy
    mid, voices = todo
    seq, section = sequential_midi(mid, voices, max_seconds)
    with tempfile.TemporaryDirectory() as tmp:
        mp, wp = os.path.join(tmp, "seq.mid"), os.path.join(tmp, "seq.wav")
        seq.save(mp)
        synth_render(mp, bank, wp, sr)
        x, _ = sf.read(wp, dtype="float32", always_2d=True)
    x = x.mean(axis=1)
    L = int(section * sr)
    stems, kept = [], []
    for i, (ch, prog, tr) in enumerate(voices):
        seg = x[i * L:(i + 1) * L]
        if np.abs(seg).max(initial=0) < 1e-4:
            continue
        stems.append(np.pad(seg, (0, L - len(seg))))
        kept.append({"channel": ch, "program": prog, "transpose": tr, "drums": ch == DRUM_CHANNEL,
                     "lead": mode == "lead" and i == 0})
    if len(stems) < 2 or (mode == "lead" and not kept[0]["lead"]):
        return None
    _save_piece(out_dir, npy, np.stack(stems).astype(np.float16),
                {"id": piece["id"], "split": piece["split"], "bank": bank, "mode": mode, "sr": sr,
                 "voices": kept, "sequential": True})
    return npy


def _job(args):
    piece, bank, mode, out_dir, sr, max_seconds, stereo = args
    try:
        if bank == "musescore":  # ~5 s to load the bank: one run per piece
            return render_piece_sequential(piece, bank, mode, out_dir, sr, max_seconds)
        return render_piece(piece, bank, mode, out_dir, sr, max_seconds, stereo)
    except Exception as e:  # a broken file must not stop the whole cache
        print("render failed", piece["id"], bank, mode, e, flush=True)
        return None


# The held-out bank's test pieces as users' files are: 44.1 kHz stereo (data.testsets' held-out
# splits), in render folders <bank>-<mode><HELD_OUT_TAG>.
HELD_OUT_RATE = 44100
HELD_OUT_TAG = "-44k-stereo"


def render_dir(cache: str, bank: str, mode: str, tag: str = "") -> str:
    return os.path.join(cache, "render", f"{bank}-{mode}{tag}")


def build(cache: str, jobs: list[tuple[str, str, list[str]]], workers: int = 2, sr: int = 16000,
          max_seconds: float = 90.0, stereo: bool = False, tag: str = "") -> None:
    """jobs: (bank, mode, splits) triples; renders every piece of those splits."""
    pieces = corpus.midi_pieces(os.path.join(cache, "pkgs"))
    tasks = []
    for bank, mode, splits in jobs:
        for p in pieces:
            if p["split"] in splits:
                tasks.append((p, bank, mode, render_dir(cache, bank, mode, tag), sr, max_seconds,
                              stereo))
    with Pool(workers) as pool:
        done = 0
        for r in pool.imap_unordered(_job, tasks):
            done += 1
            if done % 50 == 0:
                print(f"rendered {done}/{len(tasks)}", flush=True)


def load_rendered(cache: str, bank: str, mode: str, split: str, tag: str = "") -> list[dict]:
    """Index of rendered pieces of one split: {key, id, npy, voices} sorted by key."""
    out = []
    for npy, meta in corpus.cached_arrays(render_dir(cache, bank, mode, tag)):
        if meta["split"] == split:
            meta["npy"] = npy
            out.append(meta)
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description="Render the MIDI corpora into cached stems")
    p.add_argument("--cache", default=corpus.CACHE)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--max-seconds", type=float, default=90.0)
    p.add_argument("--with-musescore", action="store_true",
                   help="also render the training trio with MuseScore_General (slow to load)")
    p.add_argument("--only-musescore", action="store_true")
    p.add_argument("--only-lead", action="store_true",
                   help="only the lead-guitar-vs-band renders (mode 'lead'; with --with-musescore "
                        "also MuseScore's); not part of the default renders")
    p.add_argument("--only-generaluser", action="store_true",
                   help="only the training pieces with GeneralUser GS (package minuet-data, "
                        "unpacked in the cache) and the avldrums kits; not part of the default "
                        "renders")
    p.add_argument("--held-out-stereo", action="store_true",
                   help="only the held-out bank's test pieces at 44.1 kHz stereo (60 s), for "
                        "data.testsets' held-out splits; not part of the default renders")
    args = p.parse_args(argv)
    if args.held_out_stereo:
        build(args.cache, [(corpus.TEST_BANK, "trio", ["test"]), (corpus.TEST_BANK, "orig", ["test"])],
              args.workers, sr=HELD_OUT_RATE, max_seconds=60.0, stereo=True, tag=HELD_OUT_TAG)
        return
    jobs = [
        ("fluidr3", "orig", ["train", "val", "test"]),
        ("fluidr3", "trio", ["train", "val", "test"]),
        ("timgm6mb", "trio", ["test"]),
        ("timgm6mb", "orig", ["test"]),
    ]
    if args.with_musescore:
        jobs += [("musescore", "trio", ["train"]), ("musescore", "orig", ["train"]),
                 ("musescore", "lead", ["train"])]
    if args.only_musescore:
        jobs = [j for j in jobs if j[0] == "musescore"]
    if args.only_lead:
        jobs = [("fluidr3", "lead", ["train", "val"])] + [j for j in jobs if j[1] == "lead"]
    if args.only_generaluser:
        jobs = [("generaluser", "orig", ["train"]), ("generaluser", "trio", ["train"])]
    build(args.cache, jobs, args.workers, max_seconds=args.max_seconds)


if __name__ == "__main__":
    main()
