"""Sample banks: which samples two SoundFonts share, so a training bank can be checked against
the held-out test bank before it is used.

/usr/bin/python3 -m unweave_train.data.banks overlap <candidate.sf2> <held-out.sf2>

A SoundFont 2 file is a RIFF file: LIST 'sdta' holds the 16-bit sample data ('smpl'), LIST
'pdta' the sample headers ('shdr', 46 bytes each: 20-byte name, start, end, loop start, loop
end, rate, original pitch, pitch correction, link, type; the last record is the terminal
'EOS'). Two samples are "the same" when their 16-bit data are equal bit for bit; "near" when
the correlation of their first 8,192 values is at least `near`. (.sf3 banks store Vorbis; they
are not read here.)
"""

from __future__ import annotations

import argparse
import hashlib
import struct
import sys

import numpy as np

SHDR_SIZE = 46


def _chunks(data: bytes, start: int, end: int):
    """(id, body offset, body size) of the RIFF chunks in data[start:end]."""
    pos = start
    while pos + 8 <= end:
        cid = data[pos:pos + 4]
        size = struct.unpack_from("<I", data, pos + 4)[0]
        body = pos + 8
        if body + size > end:
            raise ValueError(f"chunk {cid!r} at {pos} runs past its parent ({body + size} > {end})")
        yield cid, body, size
        pos = body + size + (size & 1)


def _sf2_chunks(path: str) -> tuple[bytes, dict]:
    """The file's bytes and {chunk id: (offset, size)} of the sub-chunks of its LIST chunks
    ('smpl', 'phdr', 'pbag', 'pgen', 'inst', 'ibag', 'igen', 'shdr', ...)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"sfbk":
        raise ValueError(f"{path}: not a SoundFont 2 file")
    riff_end = min(len(data), 8 + struct.unpack_from("<I", data, 4)[0])
    found = {}
    for cid, body, size in _chunks(data, 12, riff_end):
        if cid == b"LIST":
            for sub, sbody, ssize in _chunks(data, body + 4, body + size):
                found[sub.decode("latin-1")] = (sbody, ssize)
    missing = [c for c in ("smpl", "shdr") if c not in found]
    if missing:
        raise ValueError(f"{path}: no {', '.join(missing)} chunk")
    return data, found


def read_sf2_samples(path: str) -> list[dict]:
    """Every sample of a SoundFont 2 file: {name, rate, data (int16 array)}, the terminal record
    left out. Raises ValueError on a file that is not an SF2 RIFF."""
    data, ch = _sf2_chunks(path)
    smpl, shdr = ch["smpl"], ch["shdr"]
    pcm = np.frombuffer(data, dtype="<i2", count=smpl[1] // 2, offset=smpl[0])
    out = []
    for i in range(shdr[1] // SHDR_SIZE - 1):  # the last record is 'EOS'
        rec = data[shdr[0] + i * SHDR_SIZE: shdr[0] + (i + 1) * SHDR_SIZE]
        name = rec[:20].split(b"\0", 1)[0].decode("latin-1")
        start, end, _ls, _le, rate = struct.unpack_from("<5I", rec, 20)
        if not (0 <= start <= end <= len(pcm)):
            raise ValueError(f"{path}: sample {name!r} outside the sample data ({start}..{end})")
        out.append({"name": name, "rate": rate, "data": pcm[start:end]})
    return out


def _records(data: bytes, ch: dict, cid: str, size: int) -> list[bytes]:
    off, n = ch[cid]
    return [data[off + i * size: off + (i + 1) * size] for i in range(n // size)]


def preset_samples(path: str) -> dict:
    """{(bank, program): set of sample indices} of an SF2 file: each preset's zones name
    instruments (generator 41), each instrument's zones name samples (generator 53)."""
    data, ch = _sf2_chunks(path)
    u16 = lambda rec, off: struct.unpack_from("<H", rec, off)[0]  # noqa: E731
    phdr = _records(data, ch, "phdr", 38)
    pbag = [u16(r, 0) for r in _records(data, ch, "pbag", 4)]
    pgen = [(u16(r, 0), u16(r, 2)) for r in _records(data, ch, "pgen", 4)]
    inst = [u16(r, 20) for r in _records(data, ch, "inst", 22)]
    ibag = [u16(r, 0) for r in _records(data, ch, "ibag", 4)]
    igen = [(u16(r, 0), u16(r, 2)) for r in _records(data, ch, "igen", 4)]

    def inst_samples(i: int) -> set:
        out = set()
        for b in range(inst[i], inst[i + 1]):
            out |= {amt for op, amt in igen[ibag[b]:ibag[b + 1]] if op == 53}
        return out

    res = {}
    for p in range(len(phdr) - 1):  # the last record is 'EOP'
        program, bank, bag0 = struct.unpack_from("<3H", phdr[p], 20)
        bag1 = u16(phdr[p + 1], 24)
        samples = set()
        for b in range(bag0, bag1):
            for op, amt in pgen[pbag[b]:pbag[b + 1]]:
                if op == 41:
                    samples |= inst_samples(amt)
        res.setdefault((bank, program), set()).update(samples)
    return res


def sample_hash(x: np.ndarray) -> str:
    """Hash of a sample's 16-bit data."""
    return hashlib.sha1(np.ascontiguousarray(x, dtype="<i2").tobytes()).hexdigest()


def _head(x: np.ndarray, n: int = 8192) -> np.ndarray:
    h = x[:n].astype(np.float64)
    h = h - h.mean() if len(h) else h
    return h / (np.linalg.norm(h) + 1e-12)


def overlap(candidate: list[dict], held_out: list[dict], near: float = 0.9,
            min_len: int = 256) -> dict:
    """Samples of `candidate` that equal (bit for bit) or nearly equal (correlation of the first
    8,192 values >= near, equal rates) a sample of `held_out`. Samples shorter than min_len
    values are ignored (silence and clicks match trivially)."""
    ref = {sample_hash(s["data"]): s["name"] for s in held_out if len(s["data"]) >= min_len}
    heads = [(s["name"], s["rate"], _head(s["data"])) for s in held_out if len(s["data"]) >= min_len]
    same, close = [], []
    for s in candidate:
        if len(s["data"]) < min_len:
            continue
        h = sample_hash(s["data"])
        if h in ref:
            same.append((s["name"], ref[h]))
            continue
        a = _head(s["data"])
        best, who = 0.0, None
        for name, rate, b in heads:
            if rate != s["rate"]:
                continue
            m = min(len(a), len(b))
            c = abs(float(np.dot(a[:m], b[:m])))
            if c > best:
                best, who = c, name
        if best >= near:
            close.append((s["name"], who, round(best, 3)))
    return {"candidate_samples": len(candidate), "same": same, "near": close}


def shared_presets(path: str, res: dict) -> set:
    """(bank, program) of the presets of the SF2 at `path` that use a sample listed in an
    overlap() result (same or near)."""
    names = {a for a, _ in res["same"]} | {a for a, _, _ in res["near"]}
    idx = {i for i, s in enumerate(read_sf2_samples(path)) if s["name"] in names}
    return {key for key, used in preset_samples(path).items() if used & idx}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Sample overlap between SoundFont 2 banks")
    sub = p.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("overlap", help="samples of CANDIDATE found in HELD_OUT")
    o.add_argument("candidate")
    o.add_argument("held_out")
    o.add_argument("--near", type=float, default=0.9)
    args = p.parse_args(argv)
    res = overlap(read_sf2_samples(args.candidate), read_sf2_samples(args.held_out), args.near)
    print(f"{res['candidate_samples']} samples; {len(res['same'])} identical, "
          f"{len(res['near'])} near (correlation >= {args.near})")
    for a, b in res["same"]:
        print(f"  same: {a!r} = {b!r}")
    for a, b, c in res["near"]:
        print(f"  near: {a!r} ~ {b!r} ({c})")
    print("presets of CANDIDATE using them (bank, program):",
          sorted(shared_presets(args.candidate, res)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
