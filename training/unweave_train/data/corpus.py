"""Where the source material lies (unpacked Debian packages) and how it is split."""

from __future__ import annotations

import glob
import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING_DIR = os.path.dirname(os.path.dirname(HERE))
CACHE = os.environ.get("UNWEAVE_CACHE", os.path.join(TRAINING_DIR, "cache"))
PKGS = os.path.join(CACHE, "pkgs")

MIDI_PACKAGES = ["simutrans-data", "openttd-openmsx", "mma", "planetblupi-music-midi"]
SPEECH_PACKAGES = ["fillets-ng-data-cs", "fillets-ng-data-nl", "festvox-ru", "tuxpaint-stamps-default"]
# More real voices (data.voices reads them; the README lists what each holds). Never the
# asterisk-core-sounds-* / asterisk-extra-sounds-* packages (kept for an independent evaluation).
VOICE_PACKAGES = ["flight-of-the-amazon-queen", "drascula", "drascula-spanish", "drascula-italian",
                  "klettres-data", "ktuberling-data", "hedgewars-data", "nexuiz-data",
                  "warzone2100-data", "gcin-voice", "megaglest-data", "kajongg", "codec2-examples",
                  "trigger-rally-data", "warmux-data", "redeclipse-data", "qabcs-data",
                  "beneath-a-steel-sky", "asterisk-prompt-es-co", "asterisk-prompt-fr-armelle",
                  "asterisk-prompt-it-menardi-wav"]
FOF_PACKAGES = ["fretsonfire-songs-muldjord", "fretsonfire-songs-sectoid"]
ALL_PACKAGES = MIDI_PACKAGES + SPEECH_PACKAGES + VOICE_PACKAGES + FOF_PACKAGES + ["denemo-data"]

BANKS = {
    "fluidr3": "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "musescore": "/usr/share/sounds/sf3/MuseScore_General.sf3",
    "timgm6mb": "/usr/share/sounds/sf2/TimGM6mb.sf2",
    # Not banks here: freepats (with TiMidity++) is reserved for an independent evaluation and
    # never used; A320U.sf2 (denemo-data) shares its violin and cello samples with TimGM6mb.
    # GeneralUser GS 1.47 (package minuet-data, unpacked into the cache), a fourth GM bank.
    # `data.banks overlap` (2026-12-02): 5 of its 864 samples equal TimGM6mb's bit for bit and 8
    # more nearly (percussion, ocarina, shanai, goblins, guitar harmonics, steel drums,
    # woodblock), so the programs that use them and its drum kits are never rendered
    # (render.EXCLUDED_PROGRAMS); its piano, strings and the rest share nothing with TimGM6mb.
    "generaluser": os.path.join(PKGS, "minuet-data", "usr", "share", "minuet", "soundfonts",
                                "GeneralUser-v1.47.sf2"),
    # Two real acoustic drum kits (package avldrums.lv2-soundfont; one preset each, 0:0, GM drum
    # map), no sample shared with TimGM6mb: the drum channel of the generaluser renders.
    "avl-blackpearl": os.path.join(PKGS, "avldrums.lv2-soundfont", "usr", "share", "sounds", "sf2",
                                   "Black_Pearl_4_LV2.sf2"),
    "avl-redzeppelin": os.path.join(PKGS, "avldrums.lv2-soundfont", "usr", "share", "sounds",
                                    "sf2", "Red_Zeppelin_4_LV2.sf2"),
}
TRAIN_BANKS = ["fluidr3", "musescore", "generaluser"]
TEST_BANK = "timgm6mb"


def cached_arrays(d: str):
    """(<name>.npy path, metadata) of every <name>.json in folder d, by name; none when d is
    missing (the cache's renders and speech streams are stored so)."""
    if not os.path.isdir(d):
        return
    for name in sorted(os.listdir(d)):
        if name.endswith(".json"):
            with open(os.path.join(d, name)) as f:
                meta = json.load(f)
            yield os.path.join(d, name[:-5] + ".npy"), meta


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


# Speech speakers are "<prefix>:<voice>"; the prefix names the package (or the cast within one)
# the recordings come from. One table, so a speaker's split follows from its name alone.
SPEAKER_PACKAGES = {
    "cs": "fillets-ng-data-cs", "nl": "fillets-ng-data-nl", "ru": "festvox-ru",
    "tux": "tuxpaint-stamps-default", "queen": "flight-of-the-amazon-queen",
    "drascula-en": "drascula", "drascula-es": "drascula-spanish", "drascula-it": "drascula-italian",
    "klettres": "klettres-data", "ktuberling": "ktuberling-data", "hedgewars": "hedgewars-data",
    "nexuiz": "nexuiz-data", "warzone": "warzone2100-data", "gcin": "gcin-voice",
    "megaglest": "megaglest-data", "kajongg": "kajongg", "codec2": "codec2-examples",
    "trigger": "trigger-rally-data", "warmux": "warmux-data", "redeclipse": "redeclipse-data",
    "qabcs": "qabcs-data", "sky": "beneath-a-steel-sky",
    "asterisk-es": "asterisk-prompt-es-co", "asterisk-fr": "asterisk-prompt-fr-armelle",
    "asterisk-it": "asterisk-prompt-it-menardi-wav",
}
# Splits by package (or cast), so validation and test voices come from recordings training never
# touches: test = the Dutch fillets actors, the Italian Drascula cast and three studio IVR voices;
# validation = the Spanish Drascula cast and two Tux Paint readers; every other package trains.
SPEECH_TEST_PACKAGES = ("fillets-ng-data-nl", "drascula-italian", "asterisk-prompt-es-co",
                        "asterisk-prompt-fr-armelle", "asterisk-prompt-it-menardi-wav")
SPEECH_VAL_PACKAGES = ("drascula-spanish",)
VAL_SPEAKERS = ("tux:el", "tux:da")
# No training voice in the languages of the original test and validation readers (Dutch; Greek,
# Danish): an amateur reader may have recorded for several of these packages.
HELD_OUT_LANGUAGES = ("nl", "el", "da")


def speech_package(speaker: str) -> str:
    """The package a speaker's recordings come from (by the speaker's prefix)."""
    prefix = speaker.split(":", 1)[0]
    if prefix not in SPEAKER_PACKAGES:
        raise ValueError(f"speaker {speaker!r}: unknown prefix {prefix!r} (corpus.SPEAKER_PACKAGES)")
    return SPEAKER_PACKAGES[prefix]


def speech_split(speaker: str) -> str:
    """'train' | 'val' | 'test' of a real speaker: by package (SPEECH_TEST_PACKAGES,
    SPEECH_VAL_PACKAGES), plus the two Tux Paint validation readers (VAL_SPEAKERS)."""
    pkg = speech_package(speaker)
    if pkg in SPEECH_TEST_PACKAGES:
        return "test"
    if pkg in SPEECH_VAL_PACKAGES or speaker in VAL_SPEAKERS:
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
