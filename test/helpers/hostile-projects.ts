/**
 * Crafted `.unweave` files (issue 16), made from a valid project's container: zip and chunk bombs,
 * huge grids and histories, a padded manifest, too many entries, entry names that are prototype
 * keys, and grids that fit neither the recording nor any STFT. Shared by the reader's tests
 * (`small`: sizes a test can afford) and `npm run bench` (the sizes).
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { deflateRawSync } from 'node:zlib'
import { strFromU8, strToU8, unzipSync } from 'fflate'
import { makeRng } from '../../src/engine/cluster/random'
import { createProject, encodeProject } from '../../src/node/project/index'
import { writeZip, type ZipEntry } from '../../src/node/project/zip'
import { randomSoftMasks } from '../edits/grid'
import { writeFloatWav } from './audio-fixtures'

/** A project container taken apart: its manifest (parsed) and its binary entries as stored. */
export interface Container {
  manifest: Record<string, unknown>
  entries: Record<string, Uint8Array>
}

/**
 * A valid project (3 sources, soft masks on a 16 kHz grid of `sec` s) of a noise recording of
 * `recordingSec` s (default `sec`) written to `dir`/song.wav: the recording, the project's bytes and
 * its container taken apart, the base of every crafted file.
 */
export async function validProject(
  dir: string,
  opts: { sec?: number; recordingSec?: number; model?: string } = {},
): Promise<{ audio: string; good: Uint8Array; c: Container }> {
  const sec = opts.sec ?? 1
  const audio = join(dir, 'song.wav')
  const rng = makeRng(3)
  const length = Math.round(16000 * (opts.recordingSec ?? sec))
  writeFloatWav(audio, [new Float32Array(length).map(() => rng() - 0.5)], 16000)
  const project = await createProject({
    audioPath: audio,
    audioInfo: { sampleRate: 16000, channels: 1, durationSec: sec },
    model: { name: opts.model ?? 'tiny-random', version: '0.0.1' },
    settings: { mask: 'soft', requestedSources: 3 },
    masks: randomSoftMasks(3, Math.floor((16000 * sec) / 256) + 1, 257, 4),
  })
  const good = await encodeProject(project, join(dir, 'x.unweave'))
  const files = unzipSync(good)
  return {
    audio,
    good,
    c: {
      manifest: JSON.parse(strFromU8(files['manifest.json']!)),
      entries: { 'masks.bin': files['masks.bin']!, 'history.bin': files['history.bin']! },
    },
  }
}

/** One crafted file: its name, its bytes (made on demand) and the reader's expected refusal. */
export interface HostileCase {
  name: string
  bytes: () => Uint8Array
  expect: RegExp
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type Manifest = any

function build(
  man: Manifest,
  entries: Record<string, Uint8Array>,
  extra: ZipEntry[] = [],
): Uint8Array {
  return writeZip([
    { name: 'manifest.json', data: strToU8(JSON.stringify(man)), deflate: true },
    ...Object.entries(entries).map(([name, data]) => ({ name, data })),
    ...extra,
  ])
}

/** The central-directory record of `name` (the last copy of the name in the file). */
function centralHeader(bytes: Uint8Array, name: string): number {
  const at = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).lastIndexOf(name)
  return at - 46
}

/** The crafted cases; `small` keeps the generated sizes within a unit test's means. */
export function hostileProjects(c: Container, opts: { small?: boolean } = {}): HostileCase[] {
  const MiB = 1 << 20
  const clone = (): Manifest => structuredClone(c.manifest)
  const g = (c.manifest as Manifest).grid
  const wholeGrid = (count: number): Manifest => {
    const m = clone()
    const cmd = {
      action: { type: 'assign', to: 0 },
      frame0: 0,
      frames: g.frames,
      bins: g.bins,
      offset: 0,
    }
    m.history.undo = Array.from({ length: count }, () => cmd)
    m.history.redo = []
    return m
  }
  const withGrid = (over: Record<string, number>, durationSec?: number): Manifest => {
    const m = clone()
    m.grid = { ...m.grid, ...over }
    if (durationSec !== undefined) m.audio.durationSec = durationSec
    return m
  }
  const entryName = (key: 'masks' | 'history', name: string): Manifest => {
    const m = clone()
    m[key].entry = name
    return m
  }
  const cases: HostileCase[] = [
    {
      name: 'not-a-zip',
      bytes: () => new Uint8Array(4096).map((_, i) => (i * 7919) & 255),
      expect: /container cannot be read/,
    },
    {
      // the central directory says masks.bin inflates to 3 GiB
      name: 'zip-bomb-entry',
      bytes: () => {
        const z = writeZip([
          { name: 'manifest.json', data: strToU8(JSON.stringify(c.manifest)), deflate: true },
          { name: 'masks.bin', data: c.entries['masks.bin']!, deflate: true },
          { name: 'history.bin', data: c.entries['history.bin']! },
        ])
        new DataView(z.buffer, z.byteOffset).setUint32(
          centralHeader(z, 'masks.bin') + 24,
          0xc0000000,
          true,
        )
        return z
      },
      expect: /would be 3221225472 bytes, more than|cannot be inflated/,
    },
    {
      // a chunk table of 64 MiB zero chunks, ~3 GiB in all (1.2 MB on disk)
      name: 'chunk-bomb',
      bytes: () => {
        const per = opts.small ? 4 * MiB : 64 * MiB
        const count = opts.small ? 4 : 48
        const one = deflateRawSync(new Uint8Array(per))
        const stored = new Uint8Array(one.length * count)
        for (let i = 0; i < count; i++) stored.set(one, i * one.length)
        const m = clone()
        m.entries['masks.bin'] = {
          ...m.entries['masks.bin'],
          sha256: createHash('sha256').update(stored).digest('hex'),
          bytes: stored.length,
          rawBytes: per * count,
          compression: 'deflate-raw',
          chunkRawBytes: per,
          chunks: Array.from({ length: count }, () => one.length),
        }
        return build(m, { ...c.entries, 'masks.bin': stored })
      },
      expect: /masks\.bin says \d+ bytes; its grid needs/,
    },
    {
      // the chunk inflates to more than the grid's size
      name: 'chunk-overflow',
      bytes: () => {
        const m = clone()
        const need = m.entries['masks.bin'].rawBytes as number
        const one = deflateRawSync(new Uint8Array(opts.small ? 16 * MiB : 1024 * MiB))
        m.entries['masks.bin'] = {
          ...m.entries['masks.bin'],
          sha256: createHash('sha256').update(one).digest('hex'),
          bytes: one.length,
          rawBytes: need,
          compression: 'deflate-raw',
          chunkRawBytes: Math.max(need, 1),
          chunks: [one.length],
        }
        return build(m, { ...c.entries, 'masks.bin': one })
      },
      expect: /masks\.bin cannot be decompressed|masks\.bin would be \d+ bytes, more than/,
    },
    {
      name: 'huge-grid',
      bytes: () =>
        build(withGrid({ frames: 5_000_000 }, (5_000_000 - 1) * (g.hop / g.sampleRate)), c.entries),
      expect: /mask values are more than/,
    },
    {
      name: 'history-2000-whole-grid',
      bytes: () => build(wholeGrid(2000), c.entries),
      expect: /undo memory, more than|touches \d+ mask weights, more than/,
    },
    {
      name: 'history-20000-whole-grid',
      bytes: () => build(wholeGrid(20000), c.entries),
      expect: /touches \d+ mask weights, more than|undo memory, more than/,
    },
    {
      name: 'history-200000-commands',
      bytes: () => {
        const m = clone()
        const cmd = { action: { type: 'split' }, frame0: 0, frames: 1, bins: 1, offset: 0 }
        m.history.undo = Array.from({ length: 200_000 }, () => cmd)
        return build(m, c.entries)
      },
      expect: /200000 commands, more than/,
    },
    {
      // the manifest padded with spaces: 1 GiB (17 MiB when small), a few MB on disk
      name: 'manifest-padded',
      bytes: () => {
        const json = JSON.stringify(c.manifest)
        const pad = (opts.small ? 17 : 1024) * MiB
        const data = new Uint8Array(json.length + pad).fill(0x20)
        data.set(strToU8(json), pad)
        return writeZip([
          { name: 'manifest.json', data, deflate: true },
          ...Object.entries(c.entries).map(([name, d]) => ({ name, data: d })),
        ])
      },
      expect: /manifest\.json would be \d+ bytes, more than/,
    },
    {
      name: 'too-many-entries',
      bytes: () =>
        build(
          c.manifest,
          c.entries,
          Array.from({ length: 40 }, (_, i) => ({ name: `x${i}`, data: new Uint8Array(1) })),
        ),
      expect: /holds 43 entries, more than 16/,
    },
    {
      name: 'entry-constructor',
      bytes: () => build(entryName('masks', 'constructor'), c.entries),
      expect: /the entry constructor is missing/,
    },
    {
      name: 'entry-toString',
      bytes: () => build(entryName('history', 'toString'), c.entries),
      expect: /the entry toString is missing|history payload does not fit/,
    },
    {
      name: 'entry-proto',
      bytes: () => build(entryName('masks', '__proto__'), c.entries),
      expect: /the entry __proto__ is missing/,
    },
    {
      name: 'entries-constructor-record',
      bytes: () => {
        const m = entryName('masks', 'constructor')
        return build(m, { ...c.entries, constructor: c.entries['masks.bin']! })
      },
      expect: /the entry constructor has no checksum/,
    },
    {
      name: 'bins-1',
      bytes: () => build(withGrid({ bins: 1 }), c.entries),
      expect: /bins do not fit its FFT size/,
    },
    {
      name: 'frames-10',
      bytes: () => build(withGrid({ frames: 10 }), c.entries),
      expect: /masks have 10 frames, but the recording \([\d.]+ s\) has \d+/,
    },
    {
      name: 'nfft-3',
      bytes: () => build(withGrid({ nFft: 3 }), c.entries),
      expect: /FFT size 3 is not a power of two/,
    },
    {
      name: 'hop-1',
      bytes: () => build(withGrid({ hop: 1 }), c.entries),
      expect: /hop 1 is not between/,
    },
    {
      name: 'sources-200',
      bytes: () => {
        const m = withGrid({ k: 200 })
        m.sources = Array.from({ length: 200 }, () => ({ name: 's', colour: '#000' }))
        return build(m, c.entries)
      },
      expect: /it has 200 sources; Unweave makes at most 8/,
    },
  ]
  return cases
}
