"""A small MIDI splitter: one file per channel, optional program/octave override, truncation."""

from __future__ import annotations

import collections
from typing import Optional

import mido

DRUM_CHANNEL = 9


def _absolute(mid: mido.MidiFile) -> list[tuple[int, float, mido.Message]]:
    """(tick, seconds, message) of all tracks merged, in time order."""
    out = []
    tick = 0
    sec = 0.0
    tempo = 500000
    tpb = mid.ticks_per_beat
    for msg in mido.merge_tracks(mid.tracks):
        if msg.time:
            sec += mido.tick2second(msg.time, tpb, tempo)
            tick += msg.time
        if msg.type == "set_tempo":
            tempo = msg.tempo
        out.append((tick, sec, msg))
    return out


def channel_stats(mid: mido.MidiFile, max_seconds: Optional[float] = None) -> dict[int, dict]:
    """Per channel: number of notes, mean pitch of the note-ons and the GM programs set on it
    (0 when none is) (within max_seconds)."""
    notes = collections.defaultdict(list)
    programs = collections.defaultdict(set)
    for _tick, sec, msg in _absolute(mid):
        if max_seconds is not None and sec > max_seconds:
            break
        if msg.type == "note_on" and msg.velocity > 0:
            notes[msg.channel].append(msg.note)
        elif msg.type == "program_change":
            programs[msg.channel].add(msg.program)
    return {
        c: {"notes": len(v), "mean_pitch": sum(v) / len(v), "programs": programs[c] or {0}}
        for c, v in notes.items() if v
    }


def extract_channel(
    mid: mido.MidiFile,
    channel: int,
    program: Optional[int] = None,
    transpose: int = 0,
    out_channel: Optional[int] = None,
    max_seconds: Optional[float] = None,
) -> mido.MidiFile:
    """A type-0 MIDI file with the tempo map and one channel's messages.

    program: force this GM program (drops the channel's own program changes);
    transpose: semitones added to every note; out_channel: renumber the channel;
    max_seconds: cut there (with all-notes-off and pedal-up at the cut).
    """
    oc = channel if out_channel is None else out_channel
    events: list[tuple[int, mido.Message]] = []
    last_tick = 0
    if program is not None:
        events.append((0, mido.Message("program_change", channel=oc, program=program, time=0)))
    for tick, sec, msg in _absolute(mid):
        if max_seconds is not None and sec > max_seconds:
            break
        last_tick = tick
        if msg.is_meta:
            if msg.type in ("set_tempo", "time_signature", "key_signature"):
                events.append((tick, msg))
            continue
        if msg.type in ("sysex",):
            continue
        if getattr(msg, "channel", None) != channel:
            continue
        if program is not None and msg.type == "program_change":
            continue
        m = msg.copy(channel=oc, time=0)
        if transpose and m.type in ("note_on", "note_off", "polytouch"):
            m = m.copy(note=min(127, max(0, m.note + transpose)))
        events.append((tick, m))
    end = last_tick + 1
    events.append((end, mido.Message("control_change", channel=oc, control=64, value=0)))
    events.append((end, mido.Message("control_change", channel=oc, control=123, value=0)))
    out = mido.MidiFile(type=0, ticks_per_beat=mid.ticks_per_beat)
    track = mido.MidiTrack()
    prev = 0
    for tick, m in events:
        track.append(m.copy(time=tick - prev))
        prev = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    out.tracks.append(track)
    return out


def trio_voices(stats: dict[int, dict], min_notes: int = 20) -> Optional[list[tuple[int, int, int]]]:
    """Pick three melodic channels for a piano/violin/cello trio.

    Returns [(channel, program, transpose)] for violin (highest voice), piano (middle), cello
    (lowest), each moved by octaves into the instrument's usual range; None if the piece has
    fewer than three melodic channels with min_notes notes.
    """
    cands = [(c, s) for c, s in stats.items() if c != DRUM_CHANNEL and s["notes"] >= min_notes]
    if len(cands) < 3:
        return None
    cands.sort(key=lambda cs: -cs[1]["notes"])
    top = sorted(cands[:3], key=lambda cs: -cs[1]["mean_pitch"])
    ranges = [(40, 67, 84), (0, 50, 80), (42, 40, 60)]  # (program, lo, hi) of mean pitch
    out = []
    for (c, s), (prog, lo, hi) in zip(top, ranges):
        shift = 0
        mp = s["mean_pitch"]
        while mp + shift < lo:
            shift += 12
        while mp + shift > hi:
            shift -= 12
        out.append((c, prog, shift))
    return out
