/**
 * Fixture generators for the I/O and CLI tests: audio files are made at test time by sox / ffmpeg /
 * flac (cross-checks against independent implementations) or written byte by byte here (for
 * malformed files no tool would produce). Nothing is committed.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const toolCache = new Map<string, boolean>()

/** True if the command-line tool runs here. */
export function hasTool(name: 'sox' | 'ffmpeg' | 'ffprobe' | 'flac'): boolean {
  if (!toolCache.has(name)) {
    const r = spawnSync(
      name,
      [name === 'ffmpeg' || name === 'ffprobe' ? '-version' : '--version'],
      { stdio: 'ignore' },
    )
    toolCache.set(name, r.status === 0)
  }
  return toolCache.get(name)!
}

/** Reason to skip when a tool is missing (printed once per suite), or undefined. */
export function missingTools(
  ...names: ('sox' | 'ffmpeg' | 'ffprobe' | 'flac')[]
): string | undefined {
  const missing = names.filter((n) => !hasTool(n))
  if (!missing.length) return undefined
  const reason = `skipped: ${missing.join(', ')} not installed (apt-get install -y sox ffmpeg flac)`
  console.warn(reason)
  return reason
}

/**
 * A fresh temp folder; call the returned cleanup in afterAll. `fresh()` makes a new empty folder
 * inside it (one per test).
 */
export function makeTempDir(prefix = 'unweave-test-'): {
  dir: string
  cleanup: () => void
  fresh: () => string
} {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  let n = 0
  return {
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    fresh: () => {
      const d = join(dir, `t${n++}`)
      mkdirSync(d)
      return d
    },
  }
}

/** Runs sox with the given arguments (throws with its stderr on failure). */
export function sox(...args: string[]): void {
  execFileSync('sox', ['-q', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
}

/** Runs ffmpeg quietly, overwriting outputs. */
export function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
}

/** Runs the reference `flac` tool. Returns {status, output}. */
export function flacTool(...args: string[]): { status: number; output: string } {
  const r = spawnSync('flac', args, { encoding: 'utf8' })
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` }
}

const GENERATORS = [
  ['sine', '440'],
  ['sine', '660'],
  ['square', '220'],
  ['pinknoise'],
  ['sine', '1000'],
  ['sawtooth', '110'],
  ['whitenoise'],
  ['sine', '3000'],
]

/** A test signal written by sox: one generator per channel (tones and noise), at half scale. */
export function soxTestSignal(
  path: string,
  opts: { rate?: number; channels?: number; sec?: number; bits?: number; encoding?: string } = {},
): void {
  const { rate = 44100, channels = 2, sec = 1, bits = 16, encoding = 'signed-integer' } = opts
  const gens = Array.from({ length: channels }, (_, c) => GENERATORS[c % GENERATORS.length]).flat()
  sox(
    '-n',
    '-r',
    String(rate),
    '-c',
    String(channels),
    '-b',
    String(bits),
    '-e',
    encoding,
    path,
    'synth',
    String(sec),
    ...gens,
    'vol',
    '0.5',
  )
}

/**
 * Exact reference samples from sox: the file re-read by sox as 32-bit signed raw, divided by 2^31
 * (exact for 8/16/24-bit sources). Planar.
 */
export function soxReference(path: string, channels: number): Float64Array[] {
  const raw = execFileSync(
    'sox',
    ['-q', path, '-t', 'raw', '-e', 'signed-integer', '-b', '32', '-L', '-'],
    { maxBuffer: 1 << 30 },
  )
  const ints = new Int32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4)
  const n = ints.length / channels
  const out = Array.from({ length: channels }, () => new Float64Array(n))
  for (let i = 0; i < n; i++)
    for (let c = 0; c < channels; c++) out[c][i] = ints[i * channels + c] / 2147483648
  return out
}

/** Reference float32 samples from ffmpeg (pcm_f32le raw), planar. */
export function ffmpegF32Reference(path: string, channels: number): Float32Array[] {
  const raw = execFileSync(
    'ffmpeg',
    ['-nostdin', '-loglevel', 'error', '-i', path, '-f', 'f32le', '-c:a', 'pcm_f32le', '-'],
    { maxBuffer: 1 << 30 },
  )
  const copy = new Uint8Array(raw) // aligned copy
  const f = new Float32Array(copy.buffer, 0, copy.byteLength / 4)
  const n = f.length / channels
  const out = Array.from({ length: channels }, () => new Float32Array(n))
  for (let i = 0; i < n; i++) for (let c = 0; c < channels; c++) out[c][i] = f[i * channels + c]
  return out
}

/** ffprobe's view of a file's first audio stream. */
export function ffprobe(path: string): {
  sampleRate: number
  channels: number
  codec: string
  samples?: number
} {
  const out = execFileSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      'a:0',
      '-show_entries',
      'stream=sample_rate,channels,codec_name,duration_ts',
      '-of',
      'json',
      path,
    ],
    {
      encoding: 'utf8',
    },
  )
  const s = (JSON.parse(out) as { streams: Record<string, string | number>[] }).streams[0]
  return {
    sampleRate: Number(s.sample_rate),
    channels: Number(s.channels),
    codec: String(s.codec_name),
    samples: s.duration_ts ? Number(s.duration_ts) : undefined,
  }
}

/** Options of writeWavBytes(): a WAV written byte by byte, for malformed and special cases. */
export interface RawWavOptions {
  channels: number
  sampleRate: number
  /** 1 PCM, 3 float, or any other tag (unsupported-format tests). */
  formatTag: number
  bitsPerSample: number
  /** Interleaved sample bytes. */
  data: Uint8Array
  extensible?: boolean
  /** Override the data chunk's size field (truncation / placeholder tests). */
  dataSizeField?: number
  /** 'RIFF' (default), 'RF64' or 'BW64' (adds a ds64 chunk). */
  riff?: 'RIFF' | 'RF64' | 'BW64'
  /** Extra chunks inserted before 'fmt ' (e.g. LIST). */
  before?: { id: string; body: Uint8Array }[]
}

/** A 16-bit stereo 44.1 kHz PCM WAV around `data` (raw bytes, possibly broken on purpose). */
export function pcm16StereoWav(data: Uint8Array): Uint8Array {
  return wavBytes({ channels: 2, sampleRate: 44100, formatTag: 1, bitsPerSample: 16, data })
}

/** Builds WAV bytes exactly as described (no validation). */
export function wavBytes(o: RawWavOptions): Uint8Array {
  const bytesPer = Math.ceil(o.bitsPerSample / 8)
  const blockAlign = o.channels * bytesPer
  const chunks: Buffer[] = []
  const chunk = (id: string, body: Uint8Array): Buffer => {
    const h = Buffer.alloc(8)
    h.write(id, 0, 'latin1')
    h.writeUInt32LE(body.length, 4)
    return Buffer.concat([h, Buffer.from(body), Buffer.alloc(body.length & 1)])
  }
  const riff = o.riff ?? 'RIFF'
  if (riff !== 'RIFF') {
    const ds = Buffer.alloc(28)
    ds.writeBigUInt64LE(BigInt(0), 0) // patched below
    ds.writeBigUInt64LE(BigInt(o.data.length), 8)
    ds.writeBigUInt64LE(BigInt(blockAlign ? Math.floor(o.data.length / blockAlign) : 0), 16)
    chunks.push(chunk('ds64', ds))
  }
  for (const c of o.before ?? []) chunks.push(chunk(c.id, c.body))
  let fmt: Buffer
  if (o.extensible) {
    fmt = Buffer.alloc(40)
    fmt.writeUInt16LE(0xfffe, 0)
    fmt.writeUInt16LE(22, 16)
    fmt.writeUInt16LE(o.bitsPerSample, 18)
    fmt.writeUInt32LE(0, 20)
    fmt.writeUInt16LE(o.formatTag, 24)
    Buffer.from([
      0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
    ]).copy(fmt, 26)
  } else {
    fmt = Buffer.alloc(16)
    fmt.writeUInt16LE(o.formatTag, 0)
  }
  fmt.writeUInt16LE(o.channels, 2)
  fmt.writeUInt32LE(o.sampleRate, 4)
  fmt.writeUInt32LE(o.sampleRate * blockAlign, 8)
  fmt.writeUInt16LE(blockAlign, 12)
  fmt.writeUInt16LE(o.bitsPerSample, 14)
  chunks.push(chunk('fmt ', fmt))
  const dataHdr = Buffer.alloc(8)
  dataHdr.write('data', 0, 'latin1')
  dataHdr.writeUInt32LE(riff !== 'RIFF' ? 0xffffffff : (o.dataSizeField ?? o.data.length), 4)
  chunks.push(dataHdr, Buffer.from(o.data))
  const body = Buffer.concat(chunks)
  const head = Buffer.alloc(12)
  head.write(riff, 0, 'latin1')
  head.writeUInt32LE(riff !== 'RIFF' ? 0xffffffff : body.length + 4, 4)
  head.write('WAVE', 8, 'latin1')
  const all = Buffer.concat([head, body])
  if (riff !== 'RIFF') all.writeBigUInt64LE(BigInt(all.length - 8), 20)
  return all
}

/** Writes a float32 WAV whose samples are given planar (NaN/Inf allowed). */
export function writeFloatWav(path: string, channels: Float32Array[], sampleRate: number): void {
  const n = channels[0].length
  const f = new Float32Array(n * channels.length)
  for (let i = 0; i < n; i++)
    for (let c = 0; c < channels.length; c++) f[i * channels.length + c] = channels[c][i]
  writeFileSync(
    path,
    wavBytes({
      channels: channels.length,
      sampleRate,
      formatTag: 3,
      bitsPerSample: 32,
      data: new Uint8Array(f.buffer),
    }),
  )
}

/** Pearson correlation of a and b at lag (b shifted by `lag`) over their overlap. */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>, lag = 0): number {
  let sa = 0,
    sb = 0,
    saa = 0,
    sbb = 0,
    sab = 0,
    n = 0
  for (let i = Math.max(0, -lag); i < a.length && i + lag < b.length; i++) {
    const x = a[i],
      y = b[i + lag]
    sa += x
    sb += y
    saa += x * x
    sbb += y * y
    sab += x * y
    n++
  }
  const cov = sab - (sa * sb) / n
  return cov / Math.sqrt((saa - (sa * sa) / n) * (sbb - (sb * sb) / n))
}

/** Best correlation over lags in [-maxLag, maxLag] (codec delay), on a window of `len` samples. */
export function bestCorrelation(
  a: Float32Array,
  b: Float32Array,
  maxLag: number,
  start = 0,
  len = 4096,
): { lag: number; r: number } {
  const aa = a.subarray(start, start + len)
  let best = { lag: 0, r: -Infinity }
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    if (start + lag < 0) continue
    const bb = b.subarray(start + lag, start + lag + len)
    const r = correlation(aa, bb)
    if (r > best.r) best = { lag, r }
  }
  return best
}

/** Reads a file as bytes. */
export function bytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path))
}
