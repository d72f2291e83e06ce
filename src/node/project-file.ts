/**
 * Project files (`.unweave`, docs/project-format.md): a zip container (fflate) holding
 *   manifest.json  the audio file's path, size and sha256, model, engine settings, sources, the mask
 *                  grid, the edit history's records and a sha256 of every binary entry
 *   masks.bin      the automatic masks, canonical (src/engine/edits codec: labels or uint16 planes)
 *   history.bin    the selection weights of the undo and redo stacks (uint8)
 *   centroids.bin  optional: the clustering's centroids (float32), for re-clustering after re-analysis
 * The edited masks are not stored: opening replays the undo stack over the automatic masks, which
 * gives the very same floats (the edit code is deterministic). Saving is atomic (temp + rename).
 * No Electron import: the app, the CLI and tests use it alike.
 */
import { createHash } from 'node:crypto'
import { promisify } from 'node:util'
import * as zlib from 'node:zlib'
import { constants as zlibConstants, deflateRaw, deflateRawSync, inflateRaw } from 'node:zlib'
import { Worker } from 'node:worker_threads'
import { readFile, stat } from 'node:fs/promises'
import { basename, dirname, isAbsolute, resolve } from 'node:path'
import { inflateSync, strFromU8, strToU8 } from 'fflate'
import {
  canonicalMasks,
  decodeHistory,
  decodeMasks,
  EditableMasks,
  encodeHistory,
  encodeMasks,
  maskGrid,
  type EditCommand,
  type MaskMode,
  type SourceMasks,
} from '../engine/index'
import { sourceColour } from '../shared/colours'
import { InputError } from '../shared/errors'
import { writeError } from './audio-encode'
import { writeFileAtomic } from './atomic-file'

/** The `format` field of every project manifest. */
export const PROJECT_FORMAT = 'unweave-project'
/** The newest format version this code writes and reads. */
export const PROJECT_VERSION = 1
/** The file name extension of projects. */
export const PROJECT_EXTENSION = '.unweave'

/** The recording a project belongs to. */
export interface ProjectAudio {
  /** Absolute path when saved (stored relative to the project file too, see the format doc). */
  path: string
  /** sha256 of the file's bytes, lowercase hex. */
  sha256: string
  /** File size in bytes. */
  size: number
  sampleRate?: number
  channels?: number
  durationSec?: number
}

/** Engine settings the masks were made with. */
export interface ProjectSettings {
  mask: MaskMode
  /** Soft-mask sharpness, if not the engine's default. */
  beta?: number
  /** 'auto' or the number asked for (the masks' k is the number of sources). */
  requestedSources?: number | 'auto'
  /**
   * Weight of the stereo cue the analysis had (src/engine/stereo.ts); absent or 0: none. The
   * centroids have its extra coordinate, so re-clustering re-analyses with the same weight.
   */
  stereoCue?: number
  /** Anything else the app wants to keep (JSON). */
  [key: string]: unknown
}

/** One source as the user named and coloured it. */
export interface ProjectSource {
  name: string
  /** CSS colour, e.g. '#e0a030'. */
  colour: string
}

/** Everything a project holds, in memory. */
export interface ProjectData {
  audio: ProjectAudio
  model: { name: string; version: string }
  settings: ProjectSettings
  /** One per source (length = automatic.k). */
  sources: ProjectSource[]
  /** The automatic masks on the canonical 12-bit grid (see canonicalMasks). */
  automatic: SourceMasks
  /** The clustering's centroids (float32 [k * dim]), if kept. */
  clustering?: { dim: number; centroids: Float32Array }
  /** Edit history: undo stack oldest first, redo stack with the next redo last. */
  history: { undo: EditCommand[]; redo: EditCommand[] }
  /** ISO time of the first save (kept across saves). */
  createdAt?: string
  /** ISO time of the last save. */
  savedAt?: string
}

/** Whether a project's recording is where it says and unchanged. */
export type AudioCheck =
  | { status: 'ok'; path: string }
  | { status: 'missing'; path: string; message: string }
  | {
      status: 'changed'
      path: string
      expectedSha256: string
      actualSha256: string
      message: string
    }

/** Result of openProject(). */
export interface OpenedProject {
  project: ProjectData
  /** The audio check ('ok' / 'missing' / 'changed'); the app offers "locate the file" unless ok. */
  audio: AudioCheck
  /** The format version the file was written in. */
  version: number
  /** The editor (history replayed), when asked for with `editor: true`. */
  editor?: EditableMasks
}

/**
 * The worker that hashes a file: a recording is ~100 MB for 10 minutes, and hashing it on the
 * calling thread would hold up decoding the project for ~0.2 s; on a worker it runs beside it.
 */
const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const { createReadStream } = require('node:fs')
const h = createHash('sha256')
createReadStream(workerData, { highWaterMark: 1 << 20 })
  .on('data', (b) => h.update(b))
  .on('error', (e) => parentPort.postMessage({ error: String(e && e.message) }))
  .on('end', () => parentPort.postMessage({ hex: h.digest('hex') }))
`

/** sha256 of a file's bytes (streamed, on a worker thread), lowercase hex. */
export function sha256File(path: string): Promise<string> {
  return new Promise<string>((res, rej) => {
    const w = new Worker(HASH_WORKER, { eval: true, workerData: path })
    w.once('message', (m: { hex?: string; error?: string }) => {
      void w.terminate()
      if (m.hex) res(m.hex)
      else rej(new Error(m.error ?? 'hashing failed'))
    })
    w.once('error', rej)
  })
}

/**
 * A new project for a recording and its automatic masks (made canonical here): hashes the audio
 * file; sources default to "Source N" with the default colours; empty history unless given.
 */
export async function createProject(init: {
  audioPath: string
  audioInfo?: Pick<ProjectAudio, 'sampleRate' | 'channels' | 'durationSec'>
  model: { name: string; version: string }
  settings: ProjectSettings
  masks: SourceMasks
  /** The masks are on the canonical grid already (an editor's automatic masks): not redone. */
  canonical?: boolean
  sources?: ProjectSource[]
  clustering?: { dim: number; centroids: Float32Array }
  history?: { undo: EditCommand[]; redo: EditCommand[] }
}): Promise<ProjectData> {
  const path = resolve(init.audioPath)
  let size: number
  let sha256: string
  try {
    size = (await stat(path)).size
    sha256 = await sha256File(path)
  } catch (e) {
    throw new InputError(`${path} cannot be read: ${(e as Error).message}`, { cause: e })
  }
  const k = init.masks.k
  return {
    audio: { path, sha256, size, ...init.audioInfo },
    model: { name: init.model.name, version: init.model.version },
    settings: init.settings,
    sources:
      init.sources ??
      Array.from({ length: k }, (_, i) => ({
        name: `Source ${i + 1}`,
        colour: sourceColour(i),
      })),
    automatic: init.canonical ? init.masks : canonicalMasks(init.masks),
    clustering: init.clustering,
    history: init.history ?? { undo: [], redo: [] },
  }
}

/** The project with an editor's automatic masks and history (what to save after editing). */
export function withEditorState(project: ProjectData, editor: EditableMasks): ProjectData {
  return {
    ...project,
    automatic: editor.automatic,
    history: { undo: editor.undoStack, redo: editor.redoStack },
  }
}

/** An editor for the project: its automatic masks with the undo stack replayed, the redo stack kept. */
export function projectEditor(project: ProjectData): EditableMasks {
  return EditableMasks.fromHistory(project.automatic, project.history.undo, project.history.redo, {
    canonical: true,
  })
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

/** Options of saveProject(). */
export interface SaveOptions {
  /** Deflate level of the mask data, 0-9 (default 1: fast). */
  level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9
  /** Deflate level of the history's selection weights, 0-9 (default 1). */
  historyLevel?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9
}

const deflateRawAsync = promisify(deflateRaw)
const inflateRawAsync = promisify(inflateRaw)

/** One binary entry as stored: its payload (raw, or raw-deflate chunks) and the manifest's record of it. */
interface PackedEntry {
  stored: Uint8Array
  record: {
    sha256: string
    bytes: number
    rawBytes: number
    compression: 'deflate-raw' | 'none'
    /** Raw bytes per chunk (the last may be shorter); each chunk is its own raw-deflate stream. */
    chunkRawBytes?: number
    /** Compressed size of every chunk, in order. */
    chunks?: number[]
  }
}

/** Raw bytes per independently compressed chunk (compressed in parallel on zlib's thread pool). */
const CHUNK = 4 << 20

/**
 * Compresses in independent chunks, in parallel. `huffman`: entropy coding only (Z_HUFFMAN_ONLY),
 * which is as small as LZ on mask planes (they hold no repeats worth finding) and ~3x faster.
 */
async function pack(raw: Uint8Array, level: number, huffman = false): Promise<PackedEntry> {
  if (level === 0) {
    return {
      stored: raw,
      record: { sha256: sha(raw), bytes: raw.length, rawBytes: raw.length, compression: 'none' },
    }
  }
  const parts: Promise<Buffer>[] = []
  for (let o = 0; o < raw.length || o === 0; o += CHUNK)
    parts.push(
      deflateRawAsync(raw.subarray(o, Math.min(raw.length, o + CHUNK)), {
        level,
        strategy: huffman ? zlibConstants.Z_HUFFMAN_ONLY : zlibConstants.Z_DEFAULT_STRATEGY,
      }),
    )
  const chunks = await Promise.all(parts)
  const stored = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0))
  let o = 0
  for (const c of chunks) {
    stored.set(c, o)
    o += c.length
  }
  return {
    stored,
    record: {
      sha256: sha(stored),
      bytes: stored.length,
      rawBytes: raw.length,
      compression: 'deflate-raw',
      chunkRawBytes: CHUNK,
      chunks: chunks.map((c) => c.length),
    },
  }
}

/** Inverse of pack(): inflates the chunks in parallel into one buffer of rawBytes. */
async function unpack(stored: Uint8Array, rec: PackedEntry['record']): Promise<Uint8Array> {
  const sizes = Array.isArray(rec.chunks) ? rec.chunks : [stored.length]
  if (
    !sizes.every((x) => Number.isInteger(x) && x >= 0) ||
    sizes.reduce((a, b) => a + b, 0) !== stored.length
  )
    throw new RangeError('its chunk table does not match its size')
  const parts: Promise<Buffer>[] = []
  let o = 0
  for (const sz of sizes) {
    // one output buffer per chunk (zlib's default 16 KB pieces cost a concatenation: ~2x slower)
    parts.push(
      inflateRawAsync(stored.subarray(o, o + sz), {
        chunkSize: Math.max(64 * 1024, Math.min(CHUNK, Number(rec.chunkRawBytes) || CHUNK)),
      }),
    )
    o += sz
  }
  const chunks = await Promise.all(parts)
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0))
  let p = 0
  for (const c of chunks) {
    out.set(c, p)
    p += c.length
  }
  return out
}

/**
 * Encoded + compressed automatic masks, cached per masks object and level: the automatic masks do
 * not change while the user edits, so an autosave only encodes the history again.
 */
const maskCache = new WeakMap<
  SourceMasks,
  Map<number, Promise<{ encoding: string; entry: PackedEntry }>>
>()

function packedMasks(
  m: SourceMasks,
  level: number,
): Promise<{ encoding: string; entry: PackedEntry }> {
  let per = maskCache.get(m)
  if (!per) maskCache.set(m, (per = new Map()))
  let hit = per.get(level)
  if (!hit) {
    const enc = encodeMasks(m)
    hit = pack(enc.data, level, true).then((entry) => ({ encoding: enc.encoding, entry }))
    hit.catch(() => per!.delete(level))
    per.set(level, hit)
  }
  return hit
}

/** The container bytes of a project (what saveProject writes). */
export async function encodeProject(
  project: ProjectData,
  projectPath?: string,
  opts: SaveOptions = {},
): Promise<Uint8Array> {
  const m = project.automatic
  if (project.sources.length !== m.k)
    throw new RangeError(`project: ${project.sources.length} sources for masks of k = ${m.k}`)
  const hist = encodeHistory(project.history.undo, project.history.redo)
  const c = project.clustering?.centroids
  // Masks and history compress in parallel (zlib's thread pool).
  const [masks, history, centroids] = await Promise.all([
    packedMasks(m, opts.level ?? 1),
    pack(hist.bytes, opts.historyLevel ?? 1),
    c ? pack(new Uint8Array(c.buffer.slice(c.byteOffset, c.byteOffset + c.byteLength)), 0) : null,
  ])
  const now = new Date().toISOString()
  const entries: Record<string, PackedEntry['record']> = {
    'masks.bin': masks.entry.record,
    'history.bin': history.record,
  }
  if (centroids) entries['centroids.bin'] = centroids.record
  const audioRel = projectPath
    ? relativeTo(dirname(resolve(projectPath)), project.audio.path)
    : undefined
  const manifest = {
    format: PROJECT_FORMAT,
    version: PROJECT_VERSION,
    createdAt: project.createdAt ?? now,
    savedAt: now,
    audio: { ...project.audio, relativePath: audioRel },
    model: project.model,
    settings: project.settings,
    sources: project.sources,
    grid: maskGrid(m),
    masks: { entry: 'masks.bin', encoding: masks.encoding },
    clustering: project.clustering
      ? { entry: 'centroids.bin', dim: project.clustering.dim, encoding: 'float32le' }
      : undefined,
    history: { entry: 'history.bin', undo: hist.undo, redo: hist.redo },
    entries,
  }
  // manifest.json first, so a reader can look at it without touching the rest. The binary entries
  // are stored: their payloads are compressed already (raw deflate, see the manifest).
  const files: ZipEntry[] = [
    { name: 'manifest.json', data: strToU8(JSON.stringify(manifest)), deflate: true },
    { name: 'masks.bin', data: masks.entry.stored },
    { name: 'history.bin', data: history.stored },
  ]
  if (centroids) files.push({ name: 'centroids.bin', data: centroids.stored })
  return writeZip(files)
}

/** One entry of writeZip(). */
interface ZipEntry {
  name: string
  data: Uint8Array
  /** Deflate it (the manifest); else stored as is. */
  deflate?: boolean
}

/** zlib.crc32 (Node 20.15+, 22.2+; not in the typings of every @types/node 20). */
const zlibCrc32 = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32

/** CRC-32 (zip's): zlib's native one where Node has it, else a table. */
const crc32: (data: Uint8Array) => number =
  typeof zlibCrc32 === 'function'
    ? (d) => zlibCrc32(d) >>> 0
    : (() => {
        const table = new Int32Array(256)
        for (let n = 0; n < 256; n++) {
          let c = n
          for (let j = 0; j < 8; j++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
          table[n] = c
        }
        return (d: Uint8Array) => {
          let c = -1
          for (let i = 0; i < d.length; i++) c = table[(c ^ d[i]!) & 255]! ^ (c >>> 8)
          return (c ^ -1) >>> 0
        }
      })()

/**
 * A zip container (no zip64: a project stays far below 4 GiB). Written here rather than with a
 * general zip library because saving is also the autosave, every 30 s in the engine's process: a
 * JavaScript CRC over a 10-minute project's 26 MB took 80-180 ms of it, zlib's takes ~5 ms.
 * Timestamps are fixed (2020-01-01), so the same project gives the same bytes.
 */
function writeZip(entries: ZipEntry[]): Uint8Array {
  const DOS_TIME = 0
  const DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1
  const parts = entries.map((e) => {
    const name = strToU8(e.name)
    const body = e.deflate ? deflateRawSync(e.data, { level: 6 }) : e.data
    return { name, body, crc: crc32(e.data), size: e.data.length, method: e.deflate ? 8 : 0 }
  })
  const local = parts.reduce((a, p) => a + 30 + p.name.length + p.body.length, 0)
  const central = parts.reduce((a, p) => a + 46 + p.name.length, 0)
  const out = new Uint8Array(local + central + 22)
  const dv = new DataView(out.buffer)
  let o = 0
  const offsets: number[] = []
  /** The fields local and central headers share: version needed .. name length (26 bytes). */
  const common = (at: number, p: (typeof parts)[number]): void => {
    dv.setUint16(at, 20, true) // version needed
    dv.setUint16(at + 2, 0x0800, true) // UTF-8 names
    dv.setUint16(at + 4, p.method, true)
    dv.setUint16(at + 6, DOS_TIME, true)
    dv.setUint16(at + 8, DOS_DATE, true)
    dv.setUint32(at + 10, p.crc, true)
    dv.setUint32(at + 14, p.body.length, true)
    dv.setUint32(at + 18, p.size, true)
    dv.setUint16(at + 22, p.name.length, true)
  }
  for (const p of parts) {
    offsets.push(o)
    dv.setUint32(o, 0x04034b50, true)
    common(o + 4, p) // extra length: 0
    out.set(p.name, o + 30)
    out.set(p.body, o + 30 + p.name.length)
    o += 30 + p.name.length + p.body.length
  }
  const cd = o
  parts.forEach((p, i) => {
    dv.setUint32(o, 0x02014b50, true)
    dv.setUint16(o + 4, 20, true) // made by
    common(o + 6, p)
    // extra, comment, disk, internal and external attributes: 0
    dv.setUint32(o + 42, offsets[i]!, true)
    out.set(p.name, o + 46)
    o += 46 + p.name.length
  })
  dv.setUint32(o, 0x06054b50, true)
  dv.setUint16(o + 8, parts.length, true)
  dv.setUint16(o + 10, parts.length, true)
  dv.setUint32(o + 12, o - cd, true)
  dv.setUint32(o + 16, cd, true)
  return out
}

function relativeTo(dir: string, target: string): string | undefined {
  // POSIX-style relative path when the audio sits under the project's folder (portable folders).
  const d = resolve(dir)
  const t = resolve(target)
  if (t.startsWith(d + '/') || t.startsWith(d + '\\'))
    return t.slice(d.length + 1).replaceAll('\\', '/')
  return undefined
}

/**
 * Saves a project atomically (temp file + fsync + rename; the old file stays intact if anything
 * fails). Also the shell's autosave: save to a recovery path, open it after a crash. Returns the
 * size in bytes. Throws OutputError when the folder is not writable.
 */
export async function saveProject(
  path: string,
  project: ProjectData,
  opts: SaveOptions = {},
): Promise<{ path: string; bytes: number }> {
  const target = resolve(path)
  const bytes = await encodeProject(project, target, opts)
  try {
    await writeFileAtomic(target, bytes)
  } catch (e) {
    throw writeError(e, target)
  }
  return { path: target, bytes: bytes.length }
}

const corrupt = (path: string, what: string, cause?: unknown): InputError =>
  new InputError(
    `${basename(path)} is not a valid Unweave project: ${what}. The file is damaged or not a project; open another copy or a recovery file.`,
    { cause },
  )

/**
 * The entries of a zip container, as views into `bytes` where stored (the binary entries: no copy
 * of ~26 MB when opening a big project) and inflated where deflated (the manifest). Reads the
 * central directory; `only` limits it to one name. Throws RangeError on a malformed container.
 */
function readZip(bytes: Uint8Array, only?: string): Record<string, Uint8Array> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const u32 = (o: number): number => {
    if (o < 0 || o + 4 > bytes.length) throw new RangeError('truncated')
    return dv.getUint32(o, true)
  }
  const u16 = (o: number): number => {
    if (o < 0 || o + 2 > bytes.length) throw new RangeError('truncated')
    return dv.getUint16(o, true)
  }
  // end of central directory: 22 bytes + a comment of up to 65,535
  let eocd = -1
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 65535); o--)
    if (u32(o) === 0x06054b50) {
      eocd = o
      break
    }
  if (eocd < 0) throw new RangeError('no end of central directory (not a zip file, or truncated)')
  const count = u16(eocd + 10)
  let o = u32(eocd + 16)
  const out: Record<string, Uint8Array> = {}
  for (let i = 0; i < count; i++) {
    if (u32(o) !== 0x02014b50) throw new RangeError('bad central directory')
    const method = u16(o + 10)
    const csize = u32(o + 20)
    const usize = u32(o + 24)
    const nlen = u16(o + 28)
    const name = strFromU8(bytes.subarray(o + 46, o + 46 + nlen))
    const local = u32(o + 42)
    o += 46 + nlen + u16(o + 30) + u16(o + 32)
    if (only !== undefined && name !== only) continue
    if (u32(local) !== 0x04034b50) throw new RangeError(`bad local header of ${name}`)
    const start = local + 30 + u16(local + 26) + u16(local + 28)
    if (start + csize > bytes.length) throw new RangeError(`${name} runs past the end`)
    // a plain Uint8Array view (a Buffer's slice() would not copy)
    const data = new Uint8Array(bytes.buffer, bytes.byteOffset + start, csize)
    if (method === 0) out[name] = data
    else if (method === 8) out[name] = inflateSync(data, { out: new Uint8Array(usize) })
    else throw new RangeError(`${name} uses zip method ${method}`)
  }
  return out
}

/** Parses and validates the container bytes of a project (no audio check). */
export async function decodeProject(
  bytes: Uint8Array,
  path = 'project.unweave',
): Promise<{ project: ProjectData; version: number }> {
  if (bytes.length === 0) throw corrupt(path, 'the file is empty')
  let files: Record<string, Uint8Array>
  try {
    files = readZip(bytes)
  } catch (e) {
    throw corrupt(path, `its container cannot be read (${(e as Error).message})`, e)
  }
  const mf = files['manifest.json']
  if (!mf) throw corrupt(path, 'it has no manifest.json')
  let man: any // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    man = JSON.parse(strFromU8(mf))
  } catch (e) {
    throw corrupt(path, 'its manifest is not valid JSON', e)
  }
  if (!man || typeof man !== 'object' || man.format !== PROJECT_FORMAT)
    throw corrupt(path, `its manifest does not say format '${PROJECT_FORMAT}'`)
  if (!Number.isInteger(man.version) || man.version < 1)
    throw corrupt(path, `its format version ${JSON.stringify(man.version)} is not a version number`)
  if (man.version > PROJECT_VERSION)
    throw new InputError(
      `${basename(path)} was saved by a newer Unweave (project format ${man.version}); this version reads format ${PROJECT_VERSION} and older. Update Unweave to open it.`,
    )
  /** A binary entry: checksum of the stored bytes, then inflated if compressed, length checked. */
  const entry = async (name: unknown): Promise<Uint8Array> => {
    if (typeof name !== 'string' || !files[name])
      throw corrupt(path, `the entry ${String(name)} is missing`)
    const want = man.entries?.[name]
    if (!want || typeof want.sha256 !== 'string')
      throw corrupt(path, `the entry ${name} has no checksum`)
    if (sha(files[name]) !== want.sha256)
      throw corrupt(path, `the entry ${name} fails its checksum`)
    let raw = files[name]
    if (want.compression === 'deflate-raw') {
      try {
        raw = await unpack(raw, want)
      } catch (e) {
        throw corrupt(path, `the entry ${name} cannot be decompressed`, e)
      }
    } else if (want.compression !== undefined && want.compression !== 'none')
      throw corrupt(path, `the entry ${name} uses an unknown compression '${want.compression}'`)
    if (typeof want.rawBytes === 'number' && raw.length !== want.rawBytes)
      throw corrupt(path, `the entry ${name} has ${raw.length} bytes, not ${want.rawBytes}`)
    return raw
  }
  const g = man.grid
  const posInt = (x: unknown): boolean => Number.isInteger(x) && (x as number) > 0
  if (!g || ![g.k, g.sampleRate, g.nFft, g.hop, g.frames, g.bins].every(posInt) || g.k > 255)
    throw corrupt(path, 'its mask grid is missing or invalid')
  const a = man.audio
  if (
    !a ||
    typeof a.path !== 'string' ||
    typeof a.sha256 !== 'string' ||
    !/^[0-9a-f]{64}$/.test(a.sha256)
  )
    throw corrupt(path, 'its audio reference (path and sha256) is missing or invalid')
  if (!man.model || typeof man.model.name !== 'string' || typeof man.model.version !== 'string')
    throw corrupt(path, 'its model name and version are missing')
  const s = man.settings
  if (!s || (s.mask !== 'hard' && s.mask !== 'soft'))
    throw corrupt(path, 'its engine settings are missing')
  if (
    s.stereoCue !== undefined &&
    !(typeof s.stereoCue === 'number' && s.stereoCue >= 0 && s.stereoCue <= 100)
  )
    throw corrupt(path, 'its stereo cue setting is not a weight in 0..100')
  if (
    !Array.isArray(man.sources) ||
    man.sources.length !== g.k ||
    !man.sources.every(
      (x: ProjectSource) => x && typeof x.name === 'string' && typeof x.colour === 'string',
    )
  )
    throw corrupt(path, `it does not name and colour its ${g.k} sources`)
  let automatic: SourceMasks
  let history: { undo: EditCommand[]; redo: EditCommand[] }
  const [maskBytes, historyBytes] = await Promise.all([
    entry(man.masks?.entry),
    entry(man.history?.entry),
  ])
  try {
    automatic = decodeMasks(
      { encoding: man.masks?.encoding, data: maskBytes },
      {
        k: g.k,
        sampleRate: g.sampleRate,
        nFft: g.nFft,
        hop: g.hop,
        frames: g.frames,
        bins: g.bins,
      },
    )
    history = decodeHistory(man.history ?? {}, historyBytes, g)
  } catch (e) {
    if (e instanceof InputError) throw e
    throw corrupt(path, (e as Error).message, e)
  }
  let clustering: ProjectData['clustering']
  if (man.clustering) {
    const raw = await entry(man.clustering.entry)
    const dim = man.clustering.dim
    if (!posInt(dim) || raw.length !== g.k * dim * 4)
      throw corrupt(path, 'its centroids do not fit k x dim')
    clustering = { dim, centroids: new Float32Array(raw.slice().buffer) }
  }
  let audioPath = a.path
  if (typeof a.relativePath === 'string' && !isAbsolute(a.path))
    audioPath = resolve(dirname(path), a.relativePath)
  return {
    version: man.version,
    project: {
      audio: {
        path: audioPath,
        sha256: a.sha256,
        size: a.size,
        sampleRate: a.sampleRate,
        channels: a.channels,
        durationSec: a.durationSec,
      },
      model: { name: man.model.name, version: man.model.version },
      settings: s,
      sources: man.sources.map((x: ProjectSource) => ({ name: x.name, colour: x.colour })),
      automatic,
      clustering,
      history,
      createdAt: man.createdAt,
      savedAt: man.savedAt,
    },
  }
}

/** The relative path stored with the audio, if any, resolved against the project's folder. */
/** The manifest of a container, or undefined if it cannot be read (decodeProject says why). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function peekManifest(bytes: Uint8Array): any {
  try {
    return JSON.parse(strFromU8(readZip(bytes, 'manifest.json')['manifest.json']))
  } catch {
    return undefined
  }
}

/**
 * Opens and validates a project; checks its recording (missing / changed: see `audio`). Throws
 * InputError for a missing, unreadable, damaged or newer-format file, with a message saying so.
 * If the audio is not at its absolute path but is at the stored relative path (the folder moved),
 * that path is used. `editor: true` also rebuilds the editor (projectEditor), while the recording
 * is hashed.
 */
export async function openProject(
  path: string,
  opts: { checkAudio?: boolean; editor?: boolean } = {},
): Promise<OpenedProject> {
  const p = resolve(path)
  let bytes: Uint8Array
  try {
    const st = await stat(p)
    if (st.isDirectory()) throw new InputError(`${path} is a folder, not an Unweave project.`)
    bytes = await readFile(p)
  } catch (e) {
    if (e instanceof InputError) throw e
    const code = (e as NodeJS.ErrnoException).code
    throw new InputError(
      code === 'ENOENT'
        ? `${path} does not exist. Check the path.`
        : `${path} cannot be read: ${(e as Error).message}`,
      { cause: e },
    )
  }
  // The recording is hashed while the project decodes (file reads and inflating overlap).
  const man = peekManifest(bytes)
  const ref = man?.audio
  const early =
    opts.checkAudio !== false && ref && typeof ref.path === 'string' && isAbsolute(ref.path)
      ? checkAudioRef(ref)
      : undefined
  early?.catch(() => undefined)
  const { project, version } = await decodeProject(bytes, p)
  // The history is replayed while the recording is still being hashed (on another thread).
  const editor = opts.editor ? { editor: projectEditor(project) } : {}
  if (opts.checkAudio === false)
    return { project, version, audio: { status: 'ok', path: project.audio.path }, ...editor }
  let audio =
    early && resolve(ref.path) === resolve(project.audio.path)
      ? await early
      : await checkProjectAudio(project)
  if (audio.status === 'missing') {
    const rel = man?.audio?.relativePath
    const alt = typeof rel === 'string' ? resolve(dirname(p), rel) : undefined
    if (alt && alt !== project.audio.path) {
      const again = await checkProjectAudio(project, alt)
      if (again.status === 'ok') {
        project.audio = { ...project.audio, path: alt }
        audio = again
      }
    }
  }
  return { project, version, audio, ...editor }
}

/** Checks that the project's recording (or `candidate`) exists and has the project's sha256. */
export async function checkProjectAudio(
  project: ProjectData,
  candidate?: string,
): Promise<AudioCheck> {
  return checkAudioRef(project.audio, candidate)
}

/** checkProjectAudio() on the audio reference alone. */
async function checkAudioRef(
  ref: Pick<ProjectAudio, 'path' | 'sha256' | 'size'>,
  candidate?: string,
): Promise<AudioCheck> {
  const path = resolve(candidate ?? ref.path)
  let size: number
  try {
    const st = await stat(path)
    if (!st.isFile()) throw new Error('not a file')
    size = st.size
  } catch {
    return {
      status: 'missing',
      path,
      message: `The recording ${path} is missing. Locate the file to continue with this project.`,
    }
  }
  const changed = (actual: string): AudioCheck => ({
    status: 'changed',
    path,
    expectedSha256: ref.sha256,
    actualSha256: actual,
    message: `The recording ${path} has changed since the project was saved (its content differs). Locate the original file; the edits belong to it.`,
  })
  if (typeof ref.size === 'number' && size !== ref.size) return changed('(size differs)')
  let actual: string
  try {
    actual = await sha256File(path)
  } catch {
    return {
      status: 'missing',
      path,
      message: `The recording ${path} cannot be read. Locate the file.`,
    }
  }
  return actual === ref.sha256 ? { status: 'ok', path } : changed(actual)
}

/** "Locate the file": points the project at `newPath` if that file has the project's content. */
export async function relocateAudio(
  project: ProjectData,
  newPath: string,
): Promise<{ project: ProjectData; audio: AudioCheck }> {
  const audio = await checkProjectAudio(project, newPath)
  if (audio.status !== 'ok') return { project, audio }
  return { project: { ...project, audio: { ...project.audio, path: audio.path } }, audio }
}

/** Throws InputError unless the check is ok (for headless callers such as the CLI). */
export function requireAudio(check: AudioCheck): void {
  if (check.status !== 'ok') throw new InputError(check.message)
}
