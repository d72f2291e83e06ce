"""Real voices from Debian packages: find, decode and label every voice, build its stream.

/usr/bin/python3 -m unweave_train.data.voices          # all packages, 2 workers, nice 5
/usr/bin/python3 -m unweave_train.data.voices --list   # the voices and utterance counts only

Each voice is one speaker stream (data.speech.build_stream: 16 kHz, trimmed, loudness-normalised
utterances with seeded gaps) in <cache>/speech/, its split given by corpus.speech_split (by
package). The packages and what was verified about them (README, Data -> Speech):

- flight-of-the-amazon-queen: queen.1c, a resource table ("QTBL", an 8-byte version field,
  a compression byte (1: MP3), a big-endian u16 entry count, 21-byte entries: 12-byte name,
  bundle byte, big-endian u32 offset and size). Dialogue speech is named
  "<talk key:2 digits><line id:4 hex | SSSS | XXXX><J|P><segment>.SB": J is Joe, P the person
  of the dialogue file (*.DOG) whose header holds that talk key; JOE#####.SB are Joe's. The
  cutaway speech (C*.SB) and the other names do not name their speaker: left out.
- drascula (en), drascula-spanish: *.ALS, unsigned 8-bit mono 11,025 Hz between a 32-byte
  header and a 32-byte trailer; the name's letters give the speaker. drascula-italian is left
  out: most of its files are the English recordings (DRASCULA_LEFT_OUT).
- klettres-data, ktuberling-data, hedgewars-data, nexuiz-data (zip), warzone2100-data (zip),
  gcin-voice, megaglest-data, kajongg, codec2-examples, trigger-rally-data (zip), warmux-data,
  redeclipse-data, qabcs-data, asterisk-prompt-* (GSM 6.10 / WAV).
- beneath-a-steel-sky: RNC ProPack method 1 (rnc_unpack) decodes its speech, which carries no
  speaker label: left out.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass, field
from multiprocessing import Pool
from typing import Optional

import numpy as np
import soundfile as sf

from . import corpus
from .speech import Utterance, build_stream, read_bytes

SR = 16000
SHORT_SECONDS = 20.0  # voices with less speech than this are kept but counted in the summary


@dataclass
class Voice:
    speaker: str                 # "<prefix>:<voice>" (corpus.SPEAKER_PACKAGES)
    language: Optional[str]      # ISO 639-1 where known
    utterances: list = field(default_factory=list)  # paths or speech.Utterance
    note: str = ""               # how the speaker was labelled

    @property
    def package(self) -> str:
        return corpus.speech_package(self.speaker)

    @property
    def split(self) -> str:
        return corpus.speech_split(self.speaker)


def slug(s: str) -> str:
    """ASCII, lower case, '-' for anything but letters and digits ("Jaume Lladó" -> "jaume-llado")."""
    for k, v in {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "đ": "d", "ł": "l"}.items():
        s = s.replace(k, v)
    a = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", a.lower()).strip("-")


def _files(pattern: str) -> list[str]:
    """Regular files (never symlinks) matching a recursive glob, sorted."""
    return sorted(p for p in glob.glob(pattern, recursive=True)
                  if os.path.isfile(p) and not os.path.islink(p))


def _root(pkgs: str, package: str, *parts: str) -> str:
    return os.path.join(pkgs, package, *parts)


def _voices_from_groups(prefix: str, groups: dict, language, note: str) -> list[Voice]:
    out = []
    for name, utts in sorted(groups.items()):
        if utts:
            lang = language(name) if callable(language) else language
            out.append(Voice(f"{prefix}:{name}", lang, list(utts), note))
    return out


# ---------------------------------------------------------------- Flight of the Amazon Queen

QUEEN_HEADER = 15        # "QTBL" + 8-byte version + compression byte + u16 count
QUEEN_ENTRY = 21         # 12-byte name, bundle byte, u32 offset, u32 size (big-endian)
QUEEN_COMPRESSION = {0: "none", 1: "mp3", 2: "ogg", 3: "flac"}
DOG_HEADER = 20          # "AmBk" ... "Datas   " before the dialogue data
QUEEN_DIALOGUE = re.compile(r"^(\d\d)([0-9A-F]{4}|SSSS|XXXX)([JP])([0-9A-Z])\.SB$")
QUEEN_JOE = re.compile(r"^JOE\d{5}\.SB$")


@dataclass(frozen=True)
class QueenEntry:
    name: str
    bundle: int
    offset: int
    size: int


def queen_table(head: bytes, file_size: int) -> tuple[int, list[QueenEntry]]:
    """(compression, entries) of a queen.1c resource table. head: at least the file's first
    QUEEN_HEADER + 21 * count bytes. Raises ValueError for anything that is not a sane table.
    (The version field is 8 bytes in the Debian file, "CEM10" and padding.)"""
    if len(head) < QUEEN_HEADER or head[:4] != b"QTBL":
        raise ValueError("not a Queen resource table (no 'QTBL' magic)")
    compression = head[12]
    if compression not in QUEEN_COMPRESSION:
        raise ValueError(f"unknown compression byte {compression}")
    (count,) = struct.unpack(">H", head[13:15])
    end = QUEEN_HEADER + QUEEN_ENTRY * count
    if end > len(head) or end > file_size:
        raise ValueError(f"a table of {count} entries runs past the data ({len(head)} bytes)")
    entries = []
    for i in range(count):
        e = head[QUEEN_HEADER + QUEEN_ENTRY * i: QUEEN_HEADER + QUEEN_ENTRY * (i + 1)]
        raw = e[:12].split(b"\0", 1)[0]
        try:
            name = raw.decode("ascii")
        except UnicodeDecodeError:
            raise ValueError(f"entry {i}: name {raw!r} is not ASCII") from None
        offset, size = struct.unpack(">II", e[13:21])
        if not name or offset < end or offset + size > file_size:
            raise ValueError(f"entry {i} {name!r}: bytes {offset}+{size} outside the data "
                             f"({end}-{file_size})")
        entries.append(QueenEntry(name, e[12], offset, size))
    return compression, entries


def read_queen_table(path: str) -> tuple[int, list[QueenEntry]]:
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(QUEEN_HEADER)
        if len(head) == QUEEN_HEADER:
            (count,) = struct.unpack(">H", head[13:15])
            head += f.read(QUEEN_ENTRY * count)
    return queen_table(head, size)


def queen_talk_keys(path: str, entries: list[QueenEntry]) -> dict[int, str]:
    """talk key -> character, from every dialogue file's header (DOG_HEADER bytes, then big-endian
    int16 levelMax, uniqueKey, talkKey); the character is the file name without digits
    (BOB1.DOG .. BOB5.DOG: BOB). A key claimed by two characters is dropped."""
    keys: dict[int, set] = {}
    with open(path, "rb") as f:
        for e in entries:
            if not e.name.endswith(".DOG"):
                continue
            f.seek(e.offset)
            d = f.read(min(e.size, DOG_HEADER + 6))
            if len(d) < DOG_HEADER + 6 or d[:4] != b"AmBk":
                print("queen: dialogue file without its header, skipped:", e.name, flush=True)
                continue
            (key,) = struct.unpack(">h", d[DOG_HEADER + 4:DOG_HEADER + 6])
            keys.setdefault(key, set()).add(re.sub(r"\d+$", "", e.name[:-4]))
    out = {}
    for k, chars in keys.items():
        if len(chars) == 1:
            out[k] = chars.pop()
        else:
            print("queen: talk key", k, "claimed by", sorted(chars), "- its lines left out", flush=True)
    return out


def queen_speaker(name: str, talk_keys: dict[int, str]) -> Optional[str]:
    """The character who speaks a .SB entry, or None when the name does not say."""
    if QUEEN_JOE.match(name):
        return "JOE"
    m = QUEEN_DIALOGUE.match(name)
    if not m:
        return None
    if m.group(3) == "J":
        return "JOE"
    return talk_keys.get(int(m.group(1)))


def queen_voices(pkgs: str) -> list[Voice]:
    path = _root(pkgs, "flight-of-the-amazon-queen", "usr", "share", "scummvm",
                 "flight-of-the-amazon-queen", "queen.1c")
    if not os.path.exists(path):
        return []
    compression, entries = read_queen_table(path)
    if QUEEN_COMPRESSION[compression] == "none":
        print("queen: uncompressed speech is not read, skipped", flush=True)
        return []
    keys = queen_talk_keys(path, entries)
    groups: dict[str, list] = {}
    for e in entries:
        if e.name.endswith(".SB"):
            who = queen_speaker(e.name, keys)
            if who:
                groups.setdefault(slug(who), []).append(Utterance(path, offset=e.offset, size=e.size))
    return _voices_from_groups("queen", groups, "en",
                               "character: J lines and JOE*.SB = Joe, P lines = the person of the "
                               "dialogue file with that talk key (file name without digits)")


# ------------------------------------------------------------------------------------ Drascula

DRASCULA_CASTS = {"drascula": ("en", "drascula-en"), "drascula-spanish": ("es", "drascula-es"),
                  "drascula-italian": ("it", "drascula-it")}
# Letter prefix -> character (the engine's talk routines: B the drunk, BJ, E, F, I Igor, L the
# werewolf, P the pianist, T the bartender, VB Von Braun; no prefix: the hero). D holds Drascula
# (D1-D40) and the blind man (D68-D81); D56-D67 (hero lines of the blind man's scene), D82, D83
# are other speakers under D: left out. S: sound effects.
DRASCULA_LETTERS = {"B": "drunk", "BJ": "bj", "E": "e", "F": "f", "I": "igor", "L": "werewolf",
                    "P": "pianist", "T": "bartender", "VB": "vonbraun"}
ALS_HEADER = 32
ALS_TRAILER = 32
ALS_RATE = 11025


def drascula_character(filename: str) -> Optional[str]:
    m = re.fullmatch(r"([A-Z]*)(\d+)\.ALS", filename.upper())
    if not m:
        return None
    letters, num = m.group(1), int(m.group(2))
    if letters == "":
        return "hero"
    if letters == "D":
        return "drascula" if num <= 40 else "blind" if 68 <= num <= 81 else None
    return DRASCULA_LETTERS.get(letters)


def als_utterance(path: str) -> Utterance:
    """The samples of a Drascula .ALS file: unsigned 8-bit mono, 11,025 Hz, between a 32-byte
    header and a 32-byte trailer."""
    size = os.path.getsize(path) - ALS_HEADER - ALS_TRAILER
    if size <= 0:
        raise ValueError(f"{path}: {size + ALS_HEADER + ALS_TRAILER} bytes, no samples")
    return Utterance(path, offset=ALS_HEADER, size=size, codec="u8", rate=ALS_RATE)


# drascula-italian is not a cast of its own: 681 of its 782 .ALS files hold the English
# recordings (the same samples, 12-13 more trailer bytes), 40 the Spanish or shared ones, and
# only 61 (most of B, BJ, P) differ from both. As a test split it would score training voices:
# left out (corpus.SPEECH_TEST_PACKAGES still lists it, so it can never be trained on).
DRASCULA_LEFT_OUT = {"drascula-italian": "its recordings are mostly the English cast's"}


def drascula_voices(pkgs: str, package: str) -> list[Voice]:
    if package in DRASCULA_LEFT_OUT:
        print(f"{package}: left out ({DRASCULA_LEFT_OUT[package]})", flush=True)
        return []
    lang, prefix = DRASCULA_CASTS[package]
    groups: dict[str, list] = {}
    for p in _files(_root(pkgs, package, "usr", "share", "scummvm", "drascula", lang, "*")):
        who = drascula_character(os.path.basename(p))
        if who:
            try:
                groups.setdefault(who, []).append(als_utterance(p))
            except ValueError as e:
                print("drascula:", e, "- skipped", flush=True)
    return _voices_from_groups(prefix, groups, lang, "character by file-name prefix")


# --------------------------------------------------------------------------- KDE / education

def klettres_voices(pkgs: str) -> list[Voice]:
    groups = {}
    for d in sorted(glob.glob(_root(pkgs, "klettres-data", "usr", "share", "klettres", "*", ""))):
        lang = os.path.basename(d.rstrip("/"))
        if lang.split("_")[0] in corpus.HELD_OUT_LANGUAGES:
            continue
        groups[slug(lang)] = _files(os.path.join(d, "**", "*.ogg"))
    return _voices_from_groups("klettres", groups, lambda n: n.split("-")[0],
                               "one reader per language folder (assumed)")


KTUBERLING_SAME = {"Bernat": "Bernat Mas"}  # ca: the potato theme's "Bernat" = "Bernat Mas"


def ktuberling_voices(pkgs: str) -> list[Voice]:
    """One voice per (language folder, Vorbis/Opus artist tag); untagged files of a folder form
    one voice. Greek, Danish, Dutch left out (corpus.HELD_OUT_LANGUAGES)."""
    groups: dict[str, list] = {}
    for d in sorted(glob.glob(_root(pkgs, "ktuberling-data", "usr", "share", "ktuberling", "sounds",
                                    "*", ""))):
        lang = os.path.basename(d.rstrip("/"))
        if lang.split("@")[0] in corpus.HELD_OUT_LANGUAGES:
            continue
        files = [p for p in _files(os.path.join(d, "*"))
                 if p.lower().endswith((".ogg", ".wav", ".opus"))]
        tagged = {}
        for p in files:
            try:
                with sf.SoundFile(p) as f:
                    artist = (f.copy_metadata().get("artist") or "").strip()
            except Exception:
                artist = ""
            tagged[p] = KTUBERLING_SAME.get(artist, artist)
        artists = {a for a in tagged.values() if a}
        for p, a in tagged.items():
            name = slug(lang) if not artists else f"{slug(lang)}-{slug(a) if a else 'untagged'}"
            groups.setdefault(name, []).append(p)
    return _voices_from_groups("ktuberling", groups, lambda n: n.split("-")[0],
                               "language folder and artist tag (untagged files: one voice)")


def qabcs_voices(pkgs: str) -> list[Voice]:
    files = _files(_root(pkgs, "qabcs-data", "usr", "share", "qabcs", "abcs", "en", "sounds", "**",
                         "*.ogg"))
    return _voices_from_groups("qabcs", {"en": files}, "en", "the English reader (the other "
                               "languages are synthetic speech: left out)")


def gcin_voices(pkgs: str) -> list[Voice]:
    root = _root(pkgs, "gcin-voice", "usr", "share", "gcin-voice", "ogg")
    groups = {n: _files(os.path.join(root, "*", f"{n}.ogg")) for n in ("3", "5")}
    return _voices_from_groups("gcin", groups, "zh", "3.ogg: Edward Der-Hua Liu; 5.ogg: the "
                               "ChionMeilin recordings of Chu Lo (copyright file)")


def kajongg_voices(pkgs: str) -> list[Voice]:
    root = _root(pkgs, "kajongg", "usr", "share", "kajongg", "voices")
    groups = {v: _files(os.path.join(root, v, "*.ogg")) + _files(os.path.join(root, "de", v, "*.ogg"))
              for v in ("female1", "female2", "male1", "male2")}
    return _voices_from_groups("kajongg", groups, "en,de", "voice folder; the English and "
                               "German folders of one name taken as one speaker")


# ------------------------------------------------------------------------------------ games

HEDGEWARS_LEFT_OUT = ("Singer", "Robot")  # singing; robotic (processed)
HEDGEWARS_LANGUAGE = {"Default": "en", "Classic": "en", "British": "en", "Default_es": "es",
                      "Default_pl": "pl", "Default_ru": "ru", "Default_uk": "uk"}


def hedgewars_voices(pkgs: str) -> list[Voice]:
    root = _root(pkgs, "hedgewars-data", "usr", "share", "games", "hedgewars", "Data", "Sounds",
                 "voices")
    groups, langs = {}, {}
    for d in sorted(glob.glob(os.path.join(root, "*", ""))):
        pack = os.path.basename(d.rstrip("/"))
        if pack in HEDGEWARS_LEFT_OUT:
            continue
        groups[slug(pack)] = _files(os.path.join(d, "*.ogg"))
        langs[slug(pack)] = HEDGEWARS_LANGUAGE.get(pack)
    return _voices_from_groups("hedgewars", groups, langs.get, "voice pack (one actor assumed)")


def _zip_members(path: str, keep) -> list[str]:
    if not os.path.exists(path):
        return []
    with zipfile.ZipFile(path) as z:
        return sorted(n for n in z.namelist() if not n.endswith("/") and keep(n))


def nexuiz_voices(pkgs: str) -> list[Voice]:
    pk3 = _root(pkgs, "nexuiz-data", "usr", "share", "games", "nexuiz", "data", "data.pk3")
    groups: dict[str, list] = {}
    for n in _zip_members(pk3, lambda n: n.lower().endswith((".ogg", ".wav"))):
        parts = n.split("/")
        if len(parts) >= 4 and parts[:2] == ["sound", "player"]:
            groups.setdefault(slug(parts[2]), []).append(Utterance(pk3, member=n))
        elif parts[:2] == ["sound", "tutorial"] and "rap" not in parts[-1]:
            groups.setdefault("tutorial", []).append(Utterance(pk3, member=n))
    return _voices_from_groups("nexuiz", groups, "en", "player model folder (lines and grunts); "
                               "the tutorial instructor (its rap left out)")


def warzone_voices(pkgs: str) -> list[Voice]:
    wz = _root(pkgs, "warzone2100-data", "usr", "share", "games", "warzone2100", "base.wz")

    def who(n: str) -> Optional[str]:
        parts, base = n.split("/"), os.path.basename(n)
        if parts[0] != "audio" or "sfx" in parts or not base.endswith(".ogg"):
            return None
        if re.match(r"pcv\d+[a-z]?\.ogg$", base):
            return "pcv"                       # the console voice, wherever it lies
        if parts[1] == "tutorial" and re.match(r"tut\d+\.ogg$", base):
            return "tutorial"
        if parts[1:3] == ["memressp", "cmndrvoc"]:
            return "commander"
        if parts[1] == "coltive":
            return "collective"
        if parts[1] == "taunts" and len(parts) == 4:
            return parts[2]                    # taunt1, taunt2, taunt3
        return None

    groups: dict[str, list] = {}
    for n in _zip_members(wz, lambda n: who(n) is not None):
        groups.setdefault(who(n), []).append(Utterance(wz, member=n))
    return _voices_from_groups("warzone", groups, "en", "file-name prefix (pcv, tut, com) or "
                               "folder (coltive, taunts/tauntN); radio-styled, 11,025 Hz")


# Units whose select/ack lines are human speech (not animals, monsters, spirits or machines).
MEGAGLEST_UNITS = {
    "egypt": ("spearman",),
    "indian": ("archer", "fire_archer", "horseman", "shaman", "spearman", "stickfighter", "worker"),
    "magic": ("battlemage", "dragon_rider", "initiate", "summoner"),
    "norsemen": ("battleaxe", "cudgel_lady", "flying_valkyrie", "spearman", "swordman", "valkyrie"),
    "persian": ("fakir", "flying_carpet", "magician", "princess", "stickfighter", "swordman"),
}
# (The norsemen *_berserk units' lines are the plain units' recordings played backwards: left out.)
MEGAGLEST_LINE = re.compile(r"(^|_)(ack|select)\d*[a-z]?\.(wav|ogg)$")


def megaglest_voices(pkgs: str) -> list[Voice]:
    root = _root(pkgs, "megaglest-data", "usr", "share", "games", "megaglest", "techs", "megapack",
                 "factions")
    groups = {}
    for faction, units in MEGAGLEST_UNITS.items():
        for unit in units:
            files = [p for p in _files(os.path.join(root, faction, "units", unit, "sounds", "**", "*"))
                     if MEGAGLEST_LINE.search(os.path.basename(p).lower())]
            groups[slug(f"{faction}-{unit}")] = files
    return _voices_from_groups("megaglest", groups, None, "unit type (select and acknowledge lines)")


def trigger_voices(pkgs: str) -> list[Voice]:
    z = _root(pkgs, "trigger-rally-data", "usr", "share", "games", "trigger-rally", "data.zip")
    groups: dict[str, list] = {}
    for n in _zip_members(z, lambda n: n.startswith("sounds/codriver/") and n.endswith(".wav")):
        groups.setdefault(slug(n.split("/")[2]), []).append(Utterance(z, member=n))
    return _voices_from_groups("trigger", groups, "en", "co-driver folder")


def warmux_voices(pkgs: str) -> list[Voice]:
    files = _files(_root(pkgs, "warmux-data", "usr", "share", "games", "warmux", "sound", "default",
                         "voices", "*.ogg"))
    return _voices_from_groups("warmux", {"default": files}, None, "the one voice folder")


def redeclipse_voices(pkgs: str) -> list[Voice]:
    root = _root(pkgs, "redeclipse-data", "usr", "share", "games", "redeclipse", "data", "sounds")
    groups = {v: _files(os.path.join(root, v, "*.ogg")) for v in ("voice", "announcer")}
    return _voices_from_groups("redeclipse", groups, "en", "folder (player voice; announcer)")


# codec2 test speech: one voice per recording; left out: subsets and concatenations of these
# (hts1a, hts2a, ve9qrp_10s, hts, all.wav), codec outputs (f2400, m2400, 700d_end_over) and
# test signals (sine*, test_datac1*, testframes*).
CODEC2_RAW = ("big_dog", "cq_ref", "cross", "forig", "g3plx", "hts1", "hts2", "kristoff", "mmt1",
              "morig", "ve9qrp", "vk5qi")
CODEC2_WAV = ("david4", "vk2tpm_004", "wia_16kHz")


def codec2_voices(pkgs: str) -> list[Voice]:
    root = _root(pkgs, "codec2-examples", "usr", "share", "codec2")
    groups = {}
    for n in CODEC2_RAW:
        p = os.path.join(root, "raw", n + ".raw")
        if os.path.exists(p):
            groups[slug(n)] = [Utterance(p, codec="s16le", rate=8000)]
    for n in CODEC2_WAV:
        p = os.path.join(root, "wav", n + ".wav")
        if os.path.exists(p):
            groups[slug(n)] = [p]
    p = os.path.join(root, "raw", "speech_orig_16k.wav")
    if os.path.exists(p):
        groups["speech-orig-16k"] = [p]
    return _voices_from_groups("codec2", groups, None, "one speaker per recording (assumed)")


# ----------------------------------------------------------------------- asterisk (test split)

ASTERISK = {"asterisk-prompt-es-co": ("asterisk-es", "co", "es", "es", ".gsm"),
            "asterisk-prompt-fr-armelle": ("asterisk-fr", "armelle", "fr", "fr", ".gsm"),
            "asterisk-prompt-it-menardi-wav": ("asterisk-it", "menardi", "it", "it_IT_f_Menardi",
                                               ".wav")}
ASTERISK_NOT_SPEECH = re.compile(r"(beep|tone)", re.I)


def asterisk_voices(pkgs: str, package: str) -> list[Voice]:
    prefix, name, lang, folder, ext = ASTERISK[package]
    root = _root(pkgs, package, "usr", "share", "asterisk", "sounds", folder)
    utts = []
    for p in _files(os.path.join(root, "**", "*" + ext)):
        rel = os.path.relpath(p, root)
        if rel.startswith("silence") or ASTERISK_NOT_SPEECH.search(os.path.basename(p)):
            continue
        utts.append(Utterance(p, codec="gsm610", rate=8000) if ext == ".gsm" else p)
    return _voices_from_groups(prefix, {name: utts}, lang, "one studio voice per package")


# -------------------------------------------------------------------- the original packages

def corpus_voices(pkgs: str, packages) -> list[Voice]:
    """The speakers of corpus.speech_utterances (fillets cs/nl, festvox-ru, Tux Paint)."""
    out = []
    for s, files in sorted(corpus.speech_utterances(pkgs).items()):
        if s.endswith(":?") or corpus.speech_package(s) not in packages:
            continue
        prefix = s.split(":", 1)[0]
        lang = s.split(":", 1)[1] if prefix == "tux" else prefix
        out.append(Voice(s, lang, files, "corpus.speech_utterances"))
    return out


READERS = {
    "flight-of-the-amazon-queen": queen_voices,
    "drascula": lambda p: drascula_voices(p, "drascula"),
    "drascula-spanish": lambda p: drascula_voices(p, "drascula-spanish"),
    "drascula-italian": lambda p: drascula_voices(p, "drascula-italian"),
    "klettres-data": klettres_voices,
    "ktuberling-data": ktuberling_voices,
    "hedgewars-data": hedgewars_voices,
    "nexuiz-data": nexuiz_voices,
    "warzone2100-data": warzone_voices,
    "gcin-voice": gcin_voices,
    "megaglest-data": megaglest_voices,
    "kajongg": kajongg_voices,
    "codec2-examples": codec2_voices,
    "trigger-rally-data": trigger_voices,
    "warmux-data": warmux_voices,
    "redeclipse-data": redeclipse_voices,
    "qabcs-data": qabcs_voices,
    "beneath-a-steel-sky": lambda p: sky_voices(p),
    "asterisk-prompt-es-co": lambda p: asterisk_voices(p, "asterisk-prompt-es-co"),
    "asterisk-prompt-fr-armelle": lambda p: asterisk_voices(p, "asterisk-prompt-fr-armelle"),
    "asterisk-prompt-it-menardi-wav": lambda p: asterisk_voices(p, "asterisk-prompt-it-menardi-wav"),
}


def all_voices(pkgs: str = corpus.PKGS, only=None) -> list[Voice]:
    """Every voice of the speech packages (corpus.SPEECH_PACKAGES + VOICE_PACKAGES, or `only`)."""
    wanted = list(only) if only else corpus.SPEECH_PACKAGES + corpus.VOICE_PACKAGES
    out = corpus_voices(pkgs, [p for p in wanted if p in corpus.SPEECH_PACKAGES])
    for pkg in wanted:
        if pkg in READERS:
            try:
                out += READERS[pkg](pkgs)
            except (OSError, ValueError, zipfile.BadZipFile) as e:
                print(f"{pkg}: cannot be read ({e}), skipped", flush=True)
    for v in out:
        if v.language and v.language.split(",")[0] in corpus.HELD_OUT_LANGUAGES and v.split == "train":
            raise RuntimeError(f"{v.speaker}: a training voice in a held-out language")
    return out


def _digest(u) -> str:
    """A hash of an utterance's bytes. For unsigned 8-bit samples (Drascula's .ALS) only the
    4,096 bytes from the first sample off silence count: copies of one recording in two
    packages differ by 1-14 bytes at their ends."""
    if isinstance(u, Utterance):
        data = read_bytes(u)
        if u.codec == "u8":
            loud = np.nonzero(np.abs(np.frombuffer(data, np.uint8).astype(np.int16) - 128) > 8)[0]
            if len(loud):
                data = data[loud[0]:loud[0] + 4096]
    else:
        with open(u, "rb") as f:
            data = f.read()
    return hashlib.sha1(data).hexdigest()


def dedupe(voices: list[Voice]) -> list[Voice]:
    """Drop repeated recordings (same bytes, _digest). A recording held by voices of different
    splits has no certain cast (Drascula's English and Spanish packages share 28 lines): it is
    dropped from all of them. Within one split the first voice keeps it. The original corpus
    voices are never changed (their streams exist; a clash is printed). Voices left empty are
    dropped."""
    owners: dict[str, list] = {}
    digests: dict[int, list] = {}
    for vi, v in enumerate(voices):
        ds = []
        for ui, u in enumerate(v.utterances):
            try:
                d = _digest(u)
            except (OSError, ValueError, KeyError, zipfile.BadZipFile) as e:
                print("unreadable, skipped:", getattr(u, "name", u), e, flush=True)
                d = None
            ds.append(d)
            if d is not None:
                owners.setdefault(d, []).append((vi, ui))
        digests[vi] = ds
    dropped: dict[tuple, int] = {}
    for vi, v in enumerate(voices):
        original = v.note == "corpus.speech_utterances"
        keep = []
        for ui, (u, d) in enumerate(zip(v.utterances, digests[vi])):
            if d is None:
                continue
            own = owners[d]
            splits = {voices[o].split for o, _ in own}
            if len(own) > 1 and (len(splits) > 1 or own[0] != (vi, ui)):
                why = "across splits" if len(splits) > 1 else "repeat of " + voices[own[0][0]].speaker
                key = (v.speaker, why)
                dropped[key] = dropped.get(key, 0) + 1
                if not original:
                    continue
            keep.append(u)
        v.utterances = keep
    for (a, why), n in sorted(dropped.items()):
        print(f"duplicates: {n} utterance(s) of {a} ({why})"
              + (" - kept, original corpus voice" if a in {v.speaker for v in voices
                                                           if v.note == "corpus.speech_utterances"}
                 else ", left out"), flush=True)
    return [v for v in voices if v.utterances]


# ---------------------------------------------------------------------- Beneath a Steel Sky
#
# RNC ProPack method 1 (Rob Northen), as publicly described: an 18-byte big-endian header
# ("RNC", method, unpacked size, packed size, CRC-16 of the unpacked and of the packed data,
# leeway, pack-chunk count), then one stream holding both bits and bytes. Bits are taken
# least-significant first from 16-bit little-endian words, a word being fetched only when the
# previous one is used up (bytes past the end read as zero); literal bytes are read from the
# stream's current byte position; the packer omits a final zero byte, so a byte or two past the
# end reads as zero (the CRC of the output checks the result). The first two bits are flags
# (ignored). Each pack chunk: three
# Huffman tables (literal-run lengths, match distances, match lengths; each a 5-bit symbol count
# and a 4-bit code length per symbol, codes canonical by (length, symbol) with their bits stored
# in reading order), a 16-bit sub-chunk count, then per sub-chunk: a literal count and that many
# bytes, and (except after the chunk's last literals) a distance - 1 and a length - 2. A value
# is coded as its bit count n by the table, then n - 1 raw bits below an implicit leading one
# (n = 0, 1: the value itself). The CRC is CRC-16/ARC (reflected 0x8005, initial 0).

RNC_HEADER = 18


def crc16_arc(data: bytes) -> int:
    table = _CRC_TABLE
    c = 0
    for b in data:
        c = (c >> 8) ^ table[(c ^ b) & 0xFF]
    return c


def _crc_table() -> list[int]:
    out = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xA001 if c & 1 else c >> 1
        out.append(c)
    return out


_CRC_TABLE = _crc_table()


class _RncReader:
    """The interleaved bit/byte reader of RNC method 1."""

    def __init__(self, data: bytes):
        self.data, self.pos, self.buf, self.left = data, 0, 0, 0

    def _byte(self) -> int:
        if self.pos >= len(self.data) + 2:
            raise ValueError("RNC: bits run past the packed data")
        b = self.data[self.pos] if self.pos < len(self.data) else 0
        self.pos += 1
        return b

    def bits(self, n: int) -> int:
        v = 0
        for i in range(n):
            if self.left == 0:
                self.buf = self._byte() | self._byte() << 8
                self.left = 16
            v |= (self.buf & 1) << i
            self.buf >>= 1
            self.left -= 1
        return v

    def literal(self, n: int) -> bytes:
        # The packer leaves out a last zero byte: up to two bytes past the end read as zero.
        if self.pos + n > len(self.data) + 2:
            raise ValueError("RNC: literals run past the packed data")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out + bytes(n - len(out))

    def table(self) -> dict:
        """{(code length, code as read): symbol}."""
        lengths = [self.bits(4) for _ in range(self.bits(5))]
        codes, code = {}, 0
        for n in range(1, 17):
            for sym, ln in enumerate(lengths):
                if ln == n:
                    codes[(n, int(format(code, f"0{n}b")[::-1], 2))] = sym
                    code += 1
            code <<= 1
        if code > 1 << 17:
            raise ValueError("RNC: over-subscribed Huffman table")
        return codes

    def value(self, codes: dict) -> int:
        v = 0
        for n in range(1, 17):
            v |= self.bits(1) << (n - 1)
            sym = codes.get((n, v))
            if sym is not None:
                return sym if sym < 2 else (1 << (sym - 1)) | self.bits(sym - 1)
        raise ValueError("RNC: no Huffman code matches")


def rnc_unpack(data: bytes) -> bytes:
    """Unpack one RNC ProPack method-1 block (header included). ValueError for anything corrupt:
    magic, method, sizes, either CRC, a match reaching before the output's start."""
    if len(data) < RNC_HEADER or data[:3] != b"RNC":
        raise ValueError("RNC: no 'RNC' magic")
    if data[3] != 1:
        raise ValueError(f"RNC: method {data[3]} (only method 1 is read)")
    unpacked, packed, crc_u, crc_p = struct.unpack(">IIHH", data[4:16])
    chunks = data[17]
    body = data[RNC_HEADER:RNC_HEADER + packed]
    if len(body) != packed:
        raise ValueError(f"RNC: {len(body)} of {packed} packed bytes")
    if crc16_arc(body) != crc_p:
        raise ValueError("RNC: packed data CRC mismatch")
    r = _RncReader(body)
    r.bits(2)
    out = bytearray()
    for _ in range(chunks):
        lit, dist, length = r.table(), r.table(), r.table()
        sub = r.bits(16)
        while sub:
            sub -= 1
            out += r.literal(r.value(lit))
            if sub:
                d = r.value(dist) + 1
                n = r.value(length) + 2
                if d > len(out):
                    raise ValueError("RNC: match before the start of the output")
                for _ in range(n):
                    out.append(out[-d])
        if len(out) > unpacked:
            raise ValueError("RNC: more output than the header's size")
    if len(out) != unpacked:
        raise ValueError(f"RNC: {len(out)} bytes unpacked, header says {unpacked}")
    if crc16_arc(bytes(out)) != crc_u:
        raise ValueError("RNC: unpacked data CRC mismatch")
    return bytes(out)


SKY_SPEECH = range(50000, 60000)
SKY_DATA_HEADER = 22
SKY_RATE = 11025


def sky_directory(dnr: bytes) -> list[tuple[int, int, int]]:
    """(file number, byte offset, size) of every sky.dsk file, from sky.dnr: a little-endian u32
    count, then 8-byte entries: u16 number, 24-bit offset (bit 23 set: in 16-byte units), 24-bit
    size (its top two bits are flags)."""
    if len(dnr) < 4:
        raise ValueError("sky.dnr: too short")
    (n,) = struct.unpack("<I", dnr[:4])
    if 4 + 8 * n > len(dnr):
        raise ValueError(f"sky.dnr: {n} entries do not fit")
    out = []
    for i in range(n):
        e = dnr[4 + 8 * i:12 + 8 * i]
        num = struct.unpack("<H", e[:2])[0]
        off = int.from_bytes(e[2:5], "little")
        size = int.from_bytes(e[5:8], "little") & 0x3FFFFF
        out.append((num, (off & 0x7FFFFF) << 4 if off & 0x800000 else off, size))
    return out


def sky_voices(pkgs: str) -> list[Voice]:
    """Beneath a Steel Sky's speech (files 50000-59999 of sky.dsk: a 22-byte header, then an
    RNC block of unsigned 8-bit mono 11,025 Hz) decodes (speech.decode, codec "rnc-u8"), but the
    file numbers name the text line and game section, not the speaker: a stream would mix the
    whole cast under one name. Left out; `sky_utterances` lists the files."""
    if sky_utterances(pkgs):
        print("beneath-a-steel-sky: speech not labelled by speaker, left out", flush=True)
    return []


def sky_utterances(pkgs: str) -> list[Utterance]:
    root = _root(pkgs, "beneath-a-steel-sky", "usr", "share", "scummvm", "beneath-a-steel-sky")
    dnr, dsk = os.path.join(root, "sky.dnr"), os.path.join(root, "sky.dsk")
    if not (os.path.exists(dnr) and os.path.exists(dsk)):
        return []
    with open(dnr, "rb") as f:
        entries = sky_directory(f.read())
    total = os.path.getsize(dsk)
    return [Utterance(dsk, offset=off, size=size, codec="rnc-u8", rate=SKY_RATE, skip=SKY_DATA_HEADER)
            for num, off, size in entries if num in SKY_SPEECH and off + size <= total]


# --------------------------------------------------------------------------------- build

def build(voices: list[Voice], speech_dir: str, workers: int = 2, seed: int = 0) -> None:
    os.makedirs(speech_dir, exist_ok=True)
    with Pool(workers) as pool:
        for v in voices:
            existed = os.path.exists(os.path.join(speech_dir, v.speaker.replace(":", "_") + ".npy"))
            build_stream(v.speaker, v.utterances, speech_dir, sr=SR, seed=seed, pool=pool,
                         meta={"package": v.package, "language": v.language, "labels": v.note})
            if not existed:
                print("voice", v.speaker, v.split, len(v.utterances), "utterances", flush=True)


def summary(voices: list[Voice], speech_dir: str) -> dict:
    """Per package: voices, minutes, split, bandwidth range, voices under SHORT_SECONDS; and
    the distinct real voices per split."""
    per: dict[str, dict] = {}
    splits: dict[str, int] = {}
    for v in voices:
        jp = os.path.join(speech_dir, v.speaker.replace(":", "_") + ".json")
        if not os.path.exists(jp):
            continue
        with open(jp) as f:
            m = json.load(f)
        if m["seconds"] <= 0:
            continue
        s = per.setdefault(m["package"], {"voices": 0, "minutes": 0.0, "splits": set(),
                                          "bandwidth": [], "short": 0})
        s["voices"] += 1
        s["minutes"] += m["seconds"] / 60
        s["splits"].add(m["split"])
        if m.get("bandwidth_hz"):
            s["bandwidth"].append(m["bandwidth_hz"])
        s["short"] += m["seconds"] < SHORT_SECONDS
        splits[m["split"]] = splits.get(m["split"], 0) + 1
    for pkg, s in sorted(per.items()):
        bw = s["bandwidth"]
        print(f"{pkg:32s} {s['voices']:3d} voices {s['minutes']:7.1f} min  "
              f"{'/'.join(sorted(s['splits'])):6s} bandwidth "
              f"{(f'{min(bw):.0f}-{max(bw):.0f} Hz') if bw else '-':>14s}  "
              f"{s['short']} under {SHORT_SECONDS:.0f} s", flush=True)
    print("distinct real voices per split:", dict(sorted(splits.items())), flush=True)
    return {"packages": per, "splits": splits}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description="Real voices from Debian packages -> speech streams")
    p.add_argument("--cache", default=corpus.CACHE)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--only", nargs="+", help="packages (default: every speech package)")
    p.add_argument("--list", action="store_true", help="list the voices, build nothing")
    p.add_argument("--nice", type=int, default=5)
    args = p.parse_args(argv)
    if args.nice:
        os.nice(args.nice)
    pkgs = os.path.join(args.cache, "pkgs")
    speech_dir = os.path.join(args.cache, "speech")
    voices = dedupe(all_voices(pkgs, args.only))
    if args.list:
        for v in voices:
            print(f"{v.speaker:40s} {v.split:5s} {v.language or '-':6s} {len(v.utterances):5d}  {v.note}")
        return
    build(voices, speech_dir, workers=args.workers)
    summary(voices, speech_dir)


if __name__ == "__main__":
    main()
