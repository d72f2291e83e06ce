"""Where the source material lies (unpacked Debian packages) and how it is split."""

from __future__ import annotations

import glob
import hashlib
import os

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING_DIR = os.path.dirname(os.path.dirname(HERE))
CACHE = os.environ.get("UNWEAVE_CACHE", os.path.join(TRAINING_DIR, "cache"))
PKGS = os.path.join(CACHE, "pkgs")

MIDI_PACKAGES = ["simutrans-data", "openttd-openmsx", "mma", "planetblupi-music-midi"]
SPEECH_PACKAGES = ["fillets-ng-data-cs", "fillets-ng-data-nl", "festvox-ru", "tuxpaint-stamps-default"]
FOF_PACKAGES = ["fretsonfire-songs-muldjord", "fretsonfire-songs-sectoid"]
ALL_PACKAGES = MIDI_PACKAGES + SPEECH_PACKAGES + FOF_PACKAGES + ["denemo-data"]

BANKS = {
    "fluidr3": "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "musescore": "/usr/share/sounds/sf3/MuseScore_General.sf3",
    "timgm6mb": "/usr/share/sounds/sf2/TimGM6mb.sf2",
    # GUS patches (package freepats), rendered by TiMidity++ (package timidity) from this config.
    # Its piano, violin and cello share no sample with TimGM6mb; A320U.sf2 (denemo-data) is not
    # usable for training: its violin and cello samples are TimGM6mb's, bit for bit.
    "freepats": "/etc/timidity/freepats.cfg",
}
TRAIN_BANKS = ["fluidr3", "musescore"]
TEST_BANK = "timgm6mb"


def stable_unit(key: str, seed: int = 0) -> float:
    """A deterministic number in [0, 1) from a string (independent of Python's hash seed)."""
    h = hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()
    return int(h[:12], 16) / float(16**12)


def split_of(key: str, test: float = 0.12, val: float = 0.06, seed: int = 0) -> str:
    """'train' | 'val' | 'test' for an item, by a stable hash of its key (a piece, a speaker)."""
    u = stable_unit(key, seed)
    if u < test:
        return "test"
    if u < test + val:
        return "val"
    return "train"


def midi_pieces(pkgs: str = PKGS) -> list[dict]:
    """Every MIDI piece of the MIDI corpora: {id, package, path, split}."""
    out = []
    for pkg in MIDI_PACKAGES:
        root = os.path.join(pkgs, pkg)
        for p in sorted(glob.glob(os.path.join(root, "**", "*.mid"), recursive=True)):
            rel = os.path.relpath(p, root)
            pid = pkg + ":" + rel
            out.append({"id": pid, "package": pkg, "path": p, "split": split_of(pid)})
    return out


def fillets_speaker(path: str) -> str:
    """Speaker code of a Fish Fillets line file '<level>-<speaker>-<word>.ogg'."""
    base = os.path.basename(path)[: -len(".ogg")]
    parts = base.split("-")
    if len(parts) == 2 and parts[0] in ("m", "v"):
        return parts[0]
    if len(parts) >= 3 and parts[1] in ("m", "v"):
        return parts[1]
    # Minor characters: level-specific voices, identity unknown (maybe the main actors).
    return "minor"


def speech_utterances(pkgs: str = PKGS) -> dict[str, list[str]]:
    """Utterance files per speaker. Speakers: 'cs:m', 'cs:v', ..., 'nl:m', ..., 'ru:nsh'."""
    spk: dict[str, list[str]] = {}
    for lang in ("cs", "nl"):
        root = os.path.join(pkgs, f"fillets-ng-data-{lang}")
        for p in sorted(glob.glob(os.path.join(root, "**", lang, "*.ogg"), recursive=True)):
            spk.setdefault(f"{lang}:{fillets_speaker(p)}", []).append(p)
    ru = sorted(glob.glob(os.path.join(pkgs, "festvox-ru", "**", "wav", "*.wav"), recursive=True))
    if ru:
        spk["ru:nsh"] = ru
    # Tux Paint stamp descriptions: one reader per language (assumed, not verified). Dutch is
    # left out so that no Dutch voice can leak into the unseen-speaker test split.
    tux = sorted(glob.glob(os.path.join(pkgs, "tuxpaint-stamps-default", "**", "*_desc_*.ogg"),
                           recursive=True))
    for p in tux:
        lang = os.path.basename(p).rsplit("_desc_", 1)[1][: -len(".ogg")]
        if lang in ("nl", "ml") or not lang.isalpha():
            continue
        spk.setdefault(f"tux:{lang}", []).append(p)
    return spk


VAL_SPEAKERS = ("tux:el", "tux:da")


def speech_split(speaker: str) -> str:
    """Dutch (fillets nl) speakers are the unseen-speaker test split; two Tux Paint readers are
    the validation speakers; everyone else trains."""
    if speaker.startswith("nl:"):
        return "test"
    if speaker in VAL_SPEAKERS:
        return "val"
    return "train"


def fof_songs(pkgs: str = PKGS) -> list[dict]:
    """Frets on Fire songs with guitar.ogg + song.ogg: {id, guitar, song} (evaluation only)."""
    out = []
    for pkg in FOF_PACKAGES:
        for g in sorted(glob.glob(os.path.join(pkgs, pkg, "**", "guitar.ogg"), recursive=True)):
            d = os.path.dirname(g)
            s = os.path.join(d, "song.ogg")
            if os.path.exists(s):
                out.append({"id": pkg.split("-")[-1] + ":" + os.path.basename(d), "guitar": g, "song": s})
    return out
