/**
 * The fuzzer's cases (bench/fuzz.ts): case `index` of a run with seed `seed` is a function of
 * those two numbers and the seeds alone, so a failure is made again by its seed and index. A case
 * is a mutated or truncated copy of a valid file: header fields set to hostile values (sizes zero,
 * huge or negative, rates 0 / 1 / 4e9, channels 0 / 65535, bits 0 / 7 / 64, CRCs, offsets), cuts at
 * every structural boundary and at random points, units removed, duplicated or swapped, bit flips
 * and byte runs; Ogg pages resealed (CRC recomputed) so that the codec sees the damage; for
 * projects also the structured hostile files of test/helpers/hostile-projects.ts, manifests with a
 * hostile value anywhere in their JSON, and binary entries damaged under a valid checksum.
 */
import { createHash } from 'node:crypto'
import { strToU8 } from 'fflate'
import { makeRng } from '../src/engine/cluster/random'
import { writeZip } from '../src/node/project/zip'
import { hostileProjects, type Container, type HostileCase } from '../test/helpers/hostile-projects'
import type { Seeds, Target } from './fuzz-seeds'
import {
  flacLayout,
  mp3Layout,
  oggLayout,
  resealOgg,
  wavLayout,
  zipLayout,
  type Field,
  type Layout,
} from './fuzz-layouts'

/** A structured hostile file: its name and its bytes, made on demand. */
export type HostileFile = Pick<HostileCase, 'name' | 'bytes'>

/** One case: the file's bytes and how they were made. */
export interface FuzzCase {
  target: Target
  index: number
  what: string
  bytes: Uint8Array
}

const LAYOUT: Record<Target, (b: Uint8Array) => Layout> = {
  wav: wavLayout,
  flac: flacLayout,
  mp3: mp3Layout,
  ogg: oggLayout,
  project: zipLayout,
}

/** Hostile values of a field of `width` bytes (two's complement covers the negative ones). */
function hostileValues(width: Field['width'], old: number): number[] {
  switch (width) {
    case 1:
      return [0, 1, 7, 0x7f, 0x80, 0xff, old ^ 0x80]
    case 2:
      return [0, 1, 7, 8, 64, 0x7fff, 0x8000, 0xffff, old + 1, old - 1]
    case 3:
      return [0, 1, 0x7fffff, 0xffffff, old * 2]
    case 4:
      return [0, 1, 7, 4e9, 0x7fffffff, 0x80000000, 0xffffffff, 65535, old + 1, old - 1, old * 2]
    case 8:
      return [0, 1, 0xffffffff, 2 ** 32, 2 ** 53, 2 ** 63, 2 ** 64 - 1]
  }
}

function readField(b: Uint8Array, f: Field): number {
  let v = 0
  for (let i = 0; i < Math.min(f.width, 6); i++) {
    const byte = b[f.be ? f.at + i : f.at + Math.min(f.width, 6) - 1 - i] ?? 0
    v = v * 256 + byte
  }
  return v
}

function writeField(b: Uint8Array, f: Field, value: number): void {
  let v = BigInt.asUintN(f.width * 8, BigInt(Math.trunc(value)))
  for (let i = 0; i < f.width; i++) {
    const at = f.be ? f.at + f.width - 1 - i : f.at + i
    if (at < b.length) b[at] = Number(v & 0xffn)
    v >>= 8n
  }
}

type Rng = () => number
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!
const int = (rng: Rng, n: number): number => Math.floor(rng() * n)
const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts))

/** One mutation of `b` (a new array where the length changes); returns the bytes and a word on it. */
function mutate(rng: Rng, b: Uint8Array, layout: Layout): [Uint8Array, string] {
  const { units, fields } = layout
  // positions near the headers are likelier: most of the structure is there
  const pos = (): number => (rng() < 0.5 ? int(rng, Math.min(b.length, 512)) : int(rng, b.length))
  const op = int(rng, 11)
  if (op <= 2 && fields.length) {
    const f = pick(rng, fields)
    const v = pick(rng, hostileValues(f.width, readField(b, f)))
    const out = b.slice()
    writeField(out, f, v)
    return [out, `${f.name}=${v}`]
  }
  if (op === 3 && units.length) {
    const u = pick(rng, units)
    const at = Math.max(0, Math.min(b.length, (rng() < 0.5 ? u.start : u.end) + int(rng, 7) - 3))
    return [b.slice(0, at), `cut at ${at} (${u.name})`]
  }
  if (op === 4 && units.length > 1) {
    const u = pick(rng, units)
    return [concat(b.subarray(0, u.start), b.subarray(u.end)), `remove ${u.name}@${u.start}`]
  }
  if (op === 5 && units.length) {
    const u = pick(rng, units)
    const copies = rng() < 0.8 ? 1 : 1 + int(rng, 40)
    const dup = Array.from({ length: copies }, () => b.subarray(u.start, u.end))
    return [
      concat(b.subarray(0, u.end), ...dup, b.subarray(u.end)),
      `duplicate ${u.name}@${u.start} x${copies}`,
    ]
  }
  if (op === 6 && units.length > 2) {
    const i = int(rng, units.length - 1)
    const [u, v] = [units[i]!, units[i + 1]!]
    if (u.end <= v.start)
      return [
        concat(
          b.subarray(0, u.start),
          b.subarray(v.start, v.end),
          b.subarray(u.end, v.start),
          b.subarray(u.start, u.end),
          b.subarray(v.end),
        ),
        `swap ${u.name}@${u.start} and ${v.name}`,
      ]
  }
  if (op === 7) {
    const at = int(rng, b.length)
    return [b.slice(0, at), `cut at ${at}`]
  }
  if (op === 8) {
    const at = pos()
    const n = 1 + int(rng, 64)
    const ins = new Uint8Array(n).map(() => (rng() < 0.5 ? int(rng, 256) : pick(rng, [0, 0xff])))
    return [concat(b.subarray(0, at), ins, b.subarray(at)), `insert ${n} bytes at ${at}`]
  }
  const out = b.slice()
  if (op === 9) {
    const at = pos()
    const n = Math.min(out.length - at, 1 + int(rng, 256))
    const v = pick(rng, [0, 0xff, int(rng, 256)])
    out.fill(v, at, at + n)
    return [out, `set ${n} bytes at ${at} to ${v}`]
  }
  const flips = 1 + int(rng, 8)
  const where: number[] = []
  for (let i = 0; i < flips && out.length; i++) {
    const at = pos()
    out[at]! ^= 1 << int(rng, 8)
    where.push(at)
  }
  return [out, `flip bits at ${where.join(',')}`]
}

/* eslint-disable @typescript-eslint/no-explicit-any */
const HOSTILE_JSON: any[] = [
  0,
  -1,
  1,
  0.5,
  3,
  1e308,
  -1e308,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  '',
  'x',
  '__proto__',
  'constructor',
  null,
  true,
  [],
  {},
  [0],
  { length: 1e9 },
]

/** Every [parent, key] of a JSON value, depth first. */
function slots(v: any, out: [any, string | number][] = []): [any, string | number][] {
  if (v && typeof v === 'object') {
    for (const k of Object.keys(v)) {
      out.push([v, Array.isArray(v) ? Number(k) : k])
      slots(v[k], out)
    }
  }
  return out
}

/** A project rebuilt from `man` and `entries` with valid zip CRCs (the manifest deflated). */
function project(man: any, entries: Record<string, Uint8Array>): Uint8Array {
  return writeZip([
    { name: 'manifest.json', data: strToU8(JSON.stringify(man)), deflate: true },
    ...Object.entries(entries).map(([name, data]) => ({ name, data })),
  ])
}

/** A project whose manifest has a hostile value at one place (or an array grown or emptied). */
function manifestCase(rng: Rng, c: Container): [Uint8Array, string] {
  const man = structuredClone(c.manifest) as any
  const all = slots(man)
  const [parent, key] = pick(rng, all)
  let what: string
  if (Array.isArray(parent[key]) && rng() < 0.5) {
    const arr = parent[key] as unknown[]
    const n = pick(rng, [0, 2, 9, 1000])
    parent[key] =
      n === 0 ? [] : Array.from({ length: n }, (_, i) => arr[i % Math.max(1, arr.length)] ?? 0)
    what = `${key} with ${n} items`
  } else if (rng() < 0.1) {
    if (Array.isArray(parent)) parent.splice(key as number, 1)
    else delete parent[key]
    what = `${key} removed`
  } else {
    const v = pick(rng, HOSTILE_JSON)
    parent[key] = structuredClone(v)
    what = `${key}=${JSON.stringify(v)}`
  }
  return [project(man, c.entries), `manifest ${what}`]
}

/** A project whose masks or history bytes are damaged under a recomputed sha256. */
function entryCase(rng: Rng, c: Container): [Uint8Array, string] {
  const man = structuredClone(c.manifest) as any
  const name = pick(rng, Object.keys(c.entries))
  const [bytes, what] = mutate(rng, c.entries[name]!, { units: [], fields: [] })
  if (man.entries?.[name]) {
    man.entries[name].sha256 = createHash('sha256').update(bytes).digest('hex')
    man.entries[name].bytes = bytes.length
  }
  return [project(man, { ...c.entries, [name]: bytes }), `${name} resealed: ${what}`]
}

/** A stream of `n` copies of `unit`. */
const repeat = (unit: Uint8Array, n: number): Uint8Array => {
  const out = new Uint8Array(unit.length * n)
  for (let i = 0; i < n; i++) out.set(unit, i * unit.length)
  return out
}

/**
 * Structured hostile audio files of each audio target: many empty structural units (each one a
 * read or a parse step; what random mutations cannot make), a header that claims the world, sync
 * words without frames.
 */
export function hostileAudio(seeds: Seeds): Record<Exclude<Target, 'project'>, HostileFile[]> {
  const first = (t: Target, name = ''): Uint8Array =>
    (seeds.files[t].find((f) => f.name.includes(name)) ?? seeds.files[t][0]!).bytes
  const wav = first('wav', 'pcm16')
  const junk = repeat(new Uint8Array([0x4a, 0x55, 0x4e, 0x4b, 0, 0, 0, 0]), 20_000)
  const cases: Record<Exclude<Target, 'project'>, HostileFile[]> = {
    wav: [
      {
        name: 'wav 20000 empty chunks',
        bytes: () => concat(wav.subarray(0, 12), junk, wav.subarray(12)),
      },
    ],
    flac: [],
    mp3: [],
    ogg: [],
  }
  const flac = first('flac', 'flac16')
  if (flac.length > 42) {
    // STREAMINFO, then 20000 empty PADDING blocks, then the rest of the metadata and the frames
    const info = flac.slice(4, 42)
    const lastInfo = (info[0]! & 0x80) !== 0
    info[0] = 0
    const padding = repeat(new Uint8Array([0x01, 0, 0, 0]), 20_000)
    if (lastInfo) padding[padding.length - 4] = 0x81
    cases.flac.push({
      name: 'flac 20000 empty metadata blocks',
      bytes: () => concat(flac.subarray(0, 4), info, padding, flac.subarray(42)),
    })
  }
  if (seeds.files.mp3.length) {
    const mp3 = first('mp3', 'cbr128')
    const id3 = new Uint8Array([0x49, 0x44, 0x33, 3, 0, 0, 0x7f, 0x7f, 0x7f, 0x7f])
    cases.mp3.push(
      {
        name: 'mp3 2 MB of one frame header repeated (garbage as frames)',
        bytes: () => repeat(new Uint8Array([0xff, 0xfb, 0x90, 0x00]), 500_000),
      },
      {
        name: 'mp3 ID3 tag claiming 256 MB',
        bytes: () => concat(id3, mp3),
      },
    )
  }
  const ogg = seeds.files.ogg.find((f) => f.name.includes('opus'))?.bytes
  if (ogg) {
    const pages = oggLayout(ogg).units
    const cut = pages[2]?.start ?? ogg.length
    const empty = ogg.slice(pages[0]!.start, pages[0]!.start + 27)
    empty[5] = 0
    empty[26] = 0
    cases.ogg.push({
      name: 'ogg 20000 empty pages',
      bytes: () => {
        const b = concat(ogg.subarray(0, cut), repeat(empty, 20_000), ogg.subarray(cut))
        resealOgg(b)
        return b
      },
    })
  }
  return cases
}

/** The case `index` of a run with `seed` on `target`. */
export function makeCase(
  seeds: Seeds,
  target: Target,
  seed: number,
  index: number,
  hostile: Record<Target, HostileFile[]>,
): FuzzCase {
  const rng = makeRng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0)
  const base = pick(rng, seeds.files[target])
  const r = rng()
  if (r < (target === 'project' ? 0.12 : 0.03) && hostile[target].length) {
    const h = pick(rng, hostile[target])
    return { target, index, what: `hostile ${h.name}`, bytes: h.bytes() }
  }
  if (target === 'project') {
    if (r < 0.4) {
      const [bytes, what] = manifestCase(rng, seeds.container)
      return { target, index, what, bytes }
    }
    if (r < 0.55) {
      const [bytes, what] = entryCase(rng, seeds.container)
      return { target, index, what, bytes }
    }
  }
  let bytes = base.bytes
  const steps: string[] = []
  const n = r < 0.7 ? 1 : 2 + int(rng, 3)
  for (let i = 0; i < n && bytes.length; i++) {
    const [next, what] = mutate(rng, bytes, LAYOUT[target](bytes))
    bytes = next
    steps.push(what)
  }
  const oggPages = target === 'ogg' || (target === 'flac' && base.name.endsWith('.oga'))
  if (oggPages && rng() < 0.6) {
    bytes = bytes === base.bytes ? bytes.slice() : bytes
    resealOgg(bytes)
    steps.push('resealed')
  }
  return { target, index, what: `${base.name}: ${steps.join('; ')}`, bytes }
}

/** The structured hostile files of every target (projects at a unit test's sizes). */
export function hostileCases(seeds: Seeds): Record<Target, HostileFile[]> {
  return { ...hostileAudio(seeds), project: hostileProjects(seeds.container, { small: true }) }
}
