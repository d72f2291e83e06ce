/**
 * Streaming stem writers: WAV 16/24-bit PCM and 32-bit float (RF64 once past 4 GiB), FLAC
 * 16/24-bit. Atomic: samples go to a hidden temp file in the target folder; commit() fixes the
 * header, fsyncs and moves it into place (never over an existing file unless `force`); abort()
 * deletes it. Integer output is rounded to nearest (ties away from zero) and clipped, no dither.
 */
import { randomBytes } from 'node:crypto'
import { constants as fsc } from 'node:fs'
import {
  link,
  lstat,
  open,
  readdir,
  realpath,
  rename,
  unlink,
  type FileHandle,
} from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { OutputError, UsageError } from '../shared/errors'
import { FlacStreamEncoder, streamInfoBody } from './flac-codec'

/** Container of a stem file. */
export type StemFormat = 'wav' | 'flac'
/** Sample format of a stem file: 16/24-bit integer PCM or 32-bit float (WAV only). */
export type StemBits = 16 | 24 | '32f'

/** Options of openStemWriter(). */
export interface StemWriterOptions {
  format: StemFormat
  bits: StemBits
  sampleRate: number
  channels: number
  /** Replace an existing file at the path (atomically, on commit). Default false. */
  force?: boolean
  /** Expected length in frames, if known (lets FLAC write a correct header sooner). */
  totalFrames?: number
  /** Paths that must never be overwritten, even with `force` (e.g. the input file). */
  protect?: string[]
  /** Write RF64 even when the file is under 4 GiB (for tests). */
  forceRf64?: boolean
}

/** A stem being written; nothing appears at `path` until commit() succeeds. */
export interface StemWriter {
  /** Final path of the file. */
  readonly path: string
  /** Frames written so far. */
  readonly frames: number
  /** Integer samples that had to be clipped to full scale so far. */
  readonly clippedSamples: number
  /** Appends planar samples [channel][frame]; all channels the same length. The block may be reused after the promise resolves. */
  write(planarBlock: Float32Array[]): Promise<void>
  /** Finishes the file (header, fsync) and moves it to `path`. */
  commit(): Promise<void>
  /** Deletes the temp file; idempotent, never throws. */
  abort(): Promise<void>
}

const FLUSH_BYTES = 1 << 20

/** Opens a streaming writer for one stem file at `path`. Throws OutputError if it cannot or must not write there. */
export async function openStemWriter(path: string, opts: StemWriterOptions): Promise<StemWriter> {
  validate(opts)
  const target = resolve(path)
  await checkTarget(target, opts)
  await removeStaleParts(dirname(target))
  const tmp = join(dirname(target), partName(basename(target)))
  let fh: FileHandle
  try {
    fh = await open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o644)
  } catch (e) {
    throw writeError(e, target)
  }
  const sink = new FileSink(fh, tmp, target)
  return opts.format === 'wav' ? new WavWriter(sink, opts) : await FlacWriter.open(sink, opts)
}

/** Name of a stem's hidden temp file: the target's name, this process's id and a random tag. */
function partName(base: string): string {
  return `.${base}.${process.pid}-${randomBytes(6).toString('hex')}.part`
}

/** A temp file partName() made (the pid is absent in names from before it was recorded). */
const PART_RE = /^\..+\.(?:(\d+)-)?[0-9a-f]{12}\.part$/
const MINUTE = 60_000
const sweptDirs = new Set<string>()

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' // exists, someone else's
  }
}

/**
 * Deletes temp files left in `dir` by stem writers that were killed (power loss, SIGKILL): ours by
 * name, untouched for a minute and their process gone, or untouched for a day (a reused pid), or,
 * without a pid in the name, untouched for an hour. Once per folder per process; never throws.
 */
export async function removeStaleParts(dir: string, now = Date.now()): Promise<string[]> {
  const key = resolve(dir)
  if (sweptDirs.has(key)) return []
  sweptDirs.add(key)
  const removed: string[] = []
  let names: string[]
  try {
    names = await readdir(key)
  } catch {
    return removed
  }
  for (const name of names) {
    const m = PART_RE.exec(name)
    if (!m) continue
    const p = join(key, name)
    try {
      const st = await lstat(p)
      if (!st.isFile()) continue
      const idle = now - st.mtimeMs
      const pid = m[1] === undefined ? undefined : Number(m[1])
      const stale =
        idle > 24 * 60 * MINUTE ||
        (pid === undefined
          ? idle > 60 * MINUTE
          : idle > MINUTE && pid !== process.pid && !processAlive(pid))
      if (!stale) continue
      await unlink(p)
      removed.push(p)
    } catch {
      // gone meanwhile, or not ours to delete
    }
  }
  return removed
}

function validate(o: StemWriterOptions): void {
  if (o.format !== 'wav' && o.format !== 'flac')
    throw new UsageError(`unknown output format '${String(o.format)}': use wav or flac`)
  if (o.bits !== 16 && o.bits !== 24 && o.bits !== '32f')
    throw new UsageError(`unknown sample format '${String(o.bits)}': use 16, 24 or 32f`)
  if (o.format === 'flac' && o.bits === '32f')
    throw new UsageError(
      'FLAC cannot store 32-bit float samples: use --bits 16 or 24 with FLAC, or --format wav for 32f',
    )
  if (!Number.isInteger(o.channels) || o.channels < 1 || o.channels > 8)
    throw new UsageError(`stems must have 1 to 8 channels, not ${o.channels}`)
  if (!Number.isInteger(o.sampleRate) || o.sampleRate < 1 || o.sampleRate > 655350)
    throw new UsageError(`invalid sample rate ${o.sampleRate}`)
}

async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [ra, rb] = await Promise.all([realpath(a), realpath(b)])
    return ra === rb
  } catch {
    return resolve(a) === resolve(b)
  }
}

async function checkTarget(target: string, opts: StemWriterOptions): Promise<void> {
  for (const p of opts.protect ?? []) {
    if (await sameFile(target, p)) {
      throw new OutputError(
        `refusing to write ${target}: it is the input file. Choose another --out folder.`,
      )
    }
  }
  let st
  try {
    st = await lstat(target)
  } catch {
    return // does not exist: fine
  }
  if (st.isDirectory())
    throw new OutputError(
      `cannot write ${target}: a folder of that name exists. Remove it or choose another --out folder.`,
    )
  if (!opts.force)
    throw new OutputError(
      `${target} exists already. Use --force to overwrite it, or choose another --out folder.`,
    )
}

/** Maps a file-system error while writing near `target` to an OutputError that says what to do. */
export function writeError(e: unknown, target: string): OutputError {
  const code = (e as NodeJS.ErrnoException)?.code
  const dir = dirname(target)
  const why =
    code === 'ENOENT'
      ? `the folder ${dir} does not exist`
      : code === 'ENOTDIR'
        ? `${dir} is not a folder`
        : code === 'EACCES' || code === 'EPERM'
          ? `permission denied in ${dir}`
          : code === 'EROFS'
            ? `${dir} is on a read-only file system`
            : code === 'ENOSPC' || code === 'EDQUOT'
              ? `the disk holding ${dir} is full`
              : ((e as Error)?.message ?? String(e))
  return new OutputError(`cannot write ${target}: ${why}. Choose a writable --out folder.`, {
    cause: e,
  })
}

/** Sequential writes to the temp file, positional patches, and the final atomic move. */
class FileSink {
  #fh: FileHandle | undefined
  #pos = 0
  #done = false

  constructor(
    fh: FileHandle,
    readonly tmp: string,
    readonly target: string,
  ) {
    this.#fh = fh
  }

  get size(): number {
    return this.#pos
  }

  async append(bytes: Uint8Array): Promise<void> {
    let off = 0
    try {
      while (off < bytes.length) {
        const { bytesWritten } = await this.#handle().write(
          bytes,
          off,
          bytes.length - off,
          this.#pos,
        )
        off += bytesWritten
        this.#pos += bytesWritten
      }
    } catch (e) {
      throw writeError(e, this.target)
    }
  }

  async patch(at: number, bytes: Uint8Array): Promise<void> {
    try {
      let off = 0
      while (off < bytes.length) {
        const { bytesWritten } = await this.#handle().write(
          bytes,
          off,
          bytes.length - off,
          at + off,
        )
        off += bytesWritten
      }
    } catch (e) {
      throw writeError(e, this.target)
    }
  }

  #handle(): FileHandle {
    if (!this.#fh || this.#done) throw new Error('stem writer is already committed or aborted')
    return this.#fh
  }

  /** fsync, close, move into place without replacing an existing file unless `force`. */
  async commit(force: boolean): Promise<void> {
    const fh = this.#handle()
    try {
      await fh.sync()
      await fh.close()
      this.#fh = undefined
      if (force) {
        await rename(this.tmp, this.target)
      } else {
        await moveNoClobber(this.tmp, this.target)
      }
      this.#done = true
    } catch (e) {
      await this.abort()
      if (e instanceof OutputError) throw e
      throw writeError(e, this.target)
    }
    await syncDir(dirname(this.target))
  }

  async abort(): Promise<void> {
    this.#done = true
    const fh = this.#fh
    this.#fh = undefined
    if (fh) await fh.close().catch(() => undefined)
    await unlink(this.tmp).catch(() => undefined)
  }
}

/** Moves tmp to target atomically, failing if target exists (hard link + unlink; rename where links are unsupported). */
async function moveNoClobber(tmp: string, target: string): Promise<void> {
  try {
    await link(tmp, target)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'EEXIST')
      throw new OutputError(
        `${target} appeared while Unweave was writing it. Use --force to overwrite it, or choose another --out folder.`,
      )
    if (
      code !== 'EPERM' &&
      code !== 'ENOTSUP' &&
      code !== 'EOPNOTSUPP' &&
      code !== 'EXDEV' &&
      code !== 'EMLINK'
    )
      throw e
    // File systems without hard links (FAT, some network shares): check, then rename.
    const exists = await lstat(target).then(
      () => true,
      () => false,
    )
    if (exists)
      throw new OutputError(
        `${target} appeared while Unweave was writing it. Use --force to overwrite it, or choose another --out folder.`,
      )
    await rename(tmp, target)
    return
  }
  await unlink(tmp)
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename durable on POSIX; not possible (nor needed) on Windows.
  try {
    const d = await open(dir, 'r')
    try {
      await d.sync()
    } finally {
      await d.close()
    }
  } catch {
    // ignore
  }
}

/** Float -> integer: scale by 2^(bits-1), round half away from zero, clip. NaN -> 0. Returns clip count. */
function quantize(
  src: Float32Array,
  n: number,
  scale: number,
  out: Int32Array,
  stride: number,
  offset: number,
): number {
  const hi = scale - 1
  const lo = -scale
  let clipped = 0
  for (let i = 0, j = offset; i < n; i++, j += stride) {
    const v = src[i] * scale
    let r = v >= 0 ? Math.floor(v + 0.5) : -Math.floor(0.5 - v)
    if (r > hi) {
      r = hi
      clipped++
    } else if (r < lo) {
      r = lo
      clipped++
    } else if (r !== r) r = 0
    out[j] = r
  }
  return clipped
}

abstract class BaseWriter implements StemWriter {
  protected framesWritten = 0
  protected clipped = 0
  protected state: 'open' | 'committed' | 'aborted' = 'open'
  #queue: Promise<void> = Promise.resolve()

  constructor(
    protected readonly sink: FileSink,
    protected readonly opts: StemWriterOptions,
  ) {}

  get path(): string {
    return this.sink.target
  }
  get frames(): number {
    return this.framesWritten
  }
  get clippedSamples(): number {
    return this.clipped
  }

  /** Runs `fn` after every earlier operation (writes never interleave). */
  protected serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#queue.then(fn)
    this.#queue = p.then(
      () => undefined,
      () => undefined,
    )
    return p
  }

  write(block: Float32Array[]): Promise<void> {
    if (this.state !== 'open')
      return Promise.reject(new Error(`stem writer for ${this.path} is ${this.state}`))
    if (block.length !== this.opts.channels) {
      return Promise.reject(
        new Error(`stem block has ${block.length} channels, the writer ${this.opts.channels}`),
      )
    }
    const n = block[0]?.length ?? 0
    for (const ch of block)
      if (ch.length !== n) return Promise.reject(new Error('stem block channels differ in length'))
    if (n === 0) return Promise.resolve()
    return this.serial(async () => {
      try {
        await this.writeBlock(block, n)
        this.framesWritten += n
      } catch (e) {
        await this.abortNow()
        throw e
      }
    })
  }

  commit(): Promise<void> {
    if (this.state !== 'open')
      return Promise.reject(new Error(`stem writer for ${this.path} is ${this.state}`))
    return this.serial(async () => {
      try {
        await this.finish()
        await this.sink.commit(!!this.opts.force)
        this.state = 'committed'
      } catch (e) {
        await this.abortNow()
        throw e
      }
    })
  }

  abort(): Promise<void> {
    if (this.state !== 'open') return Promise.resolve()
    this.state = 'aborted'
    return this.serial(() => this.abortNow())
  }

  protected async abortNow(): Promise<void> {
    this.state = this.state === 'committed' ? 'committed' : 'aborted'
    this.release()
    await this.sink.abort()
  }

  protected abstract writeBlock(block: Float32Array[], n: number): Promise<void>
  protected abstract finish(): Promise<void>
  protected release(): void {}
}

/** Speaker masks for common layouts; 0 (unassigned) otherwise. */
const CHANNEL_MASK: Record<number, number> = { 1: 0x4, 2: 0x3, 4: 0x33, 6: 0x3f, 8: 0x63f }

class WavWriter extends BaseWriter {
  readonly #blockAlign: number
  readonly #bytesPerSample: number
  readonly #float: boolean
  readonly #extensible: boolean
  readonly #fmtSize: number
  readonly #headerSize: number
  #ints: Int32Array = new Int32Array(0)
  /** Staging buffer of encoded bytes not yet written, and how much of it is filled. */
  #stage: Buffer = Buffer.alloc(0)
  #fill = 0
  /** The other staging buffer (being written while #stage fills) and that write. */
  #spare: Buffer = Buffer.alloc(0)
  #inflight: Promise<void> | undefined
  #headerWritten = false

  constructor(sink: FileSink, opts: StemWriterOptions) {
    super(sink, opts)
    this.#float = opts.bits === '32f'
    this.#bytesPerSample = opts.bits === 16 ? 2 : opts.bits === 24 ? 3 : 4
    this.#blockAlign = this.#bytesPerSample * opts.channels
    this.#extensible = opts.channels > 2 || opts.bits === 24
    this.#fmtSize = this.#extensible ? 40 : this.#float ? 18 : 16
    // RIFF header, JUNK (reserves room for ds64), fmt, fact (float only), data header
    this.#headerSize = 12 + 36 + 8 + this.#fmtSize + (this.#float ? 12 : 0) + 8
  }

  #header(riff64: boolean, dataBytes: number, fileSize: number): Buffer {
    const h = Buffer.alloc(this.#headerSize)
    const o = this.opts
    const rf = riff64
    h.write(rf ? 'RF64' : 'RIFF', 0, 'latin1')
    h.writeUInt32LE(rf ? 0xffffffff : fileSize - 8, 4)
    h.write('WAVE', 8, 'latin1')
    // ds64 (RF64) or a JUNK chunk of the same size reserving its place (EBU Tech 3306).
    h.write(rf ? 'ds64' : 'JUNK', 12, 'latin1')
    h.writeUInt32LE(28, 16)
    if (rf) {
      h.writeBigUInt64LE(BigInt(fileSize - 8), 20)
      h.writeBigUInt64LE(BigInt(dataBytes), 28)
      h.writeBigUInt64LE(BigInt(this.framesWritten), 36)
      h.writeUInt32LE(0, 44)
    }
    let p = 48
    h.write('fmt ', p, 'latin1')
    h.writeUInt32LE(this.#fmtSize, p + 4)
    p += 8
    const tag = this.#extensible ? 0xfffe : this.#float ? 3 : 1
    h.writeUInt16LE(tag, p)
    h.writeUInt16LE(o.channels, p + 2)
    h.writeUInt32LE(o.sampleRate, p + 4)
    h.writeUInt32LE(o.sampleRate * this.#blockAlign, p + 8)
    h.writeUInt16LE(this.#blockAlign, p + 12)
    h.writeUInt16LE(this.#bytesPerSample * 8, p + 14)
    if (this.#fmtSize >= 18) h.writeUInt16LE(this.#fmtSize - 18, p + 16)
    if (this.#extensible) {
      h.writeUInt16LE(this.#bytesPerSample * 8, p + 18)
      h.writeUInt32LE(CHANNEL_MASK[o.channels] ?? 0, p + 20)
      // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: {0000000X-0000-0010-8000-00AA00389B71}
      h.writeUInt16LE(this.#float ? 3 : 1, p + 24)
      Buffer.from([
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
      ]).copy(h, p + 26)
    }
    p += this.#fmtSize
    if (this.#float) {
      h.write('fact', p, 'latin1')
      h.writeUInt32LE(4, p + 4)
      h.writeUInt32LE(rf ? 0xffffffff : this.framesWritten >>> 0, p + 8)
      p += 12
    }
    h.write('data', p, 'latin1')
    h.writeUInt32LE(rf ? 0xffffffff : dataBytes, p + 4)
    return h
  }

  protected async writeBlock(block: Float32Array[], n: number): Promise<void> {
    if (!this.#headerWritten) {
      // The header goes first; it is rewritten with the final sizes on commit.
      this.#stage = Buffer.allocUnsafeSlow(
        Math.max(FLUSH_BYTES, this.#headerSize + this.#blockAlign),
      )
      this.#header(false, 0, this.#headerSize).copy(this.#stage, 0)
      this.#fill = this.#headerSize
      this.#headerWritten = true
    }
    // Convert straight into the staging buffer (reused: no per-block allocation), flushing when full.
    let done = 0
    while (done < n) {
      let room = Math.floor((this.#stage.length - this.#fill) / this.#blockAlign)
      if (room === 0) {
        await this.#flush()
        room = Math.floor(this.#stage.length / this.#blockAlign)
      }
      const m = Math.min(room, n - done)
      this.#convert(block, done, m)
      done += m
    }
  }

  /** Interleaves and converts frames [from, from+m) of `block` into the stage at #fill. */
  #convert(block: Float32Array[], from: number, m: number): void {
    const ch = block.length
    const stage = this.#stage
    const at = this.#fill
    if (this.#float && LITTLE_ENDIAN && (stage.byteOffset + at) % 4 === 0) {
      const f = new Float32Array(stage.buffer, stage.byteOffset + at, m * ch)
      for (let c = 0; c < ch; c++) {
        const src = block[c]
        for (let i = 0, j = c; i < m; i++, j += ch) f[j] = src[from + i]
      }
    } else if (this.#float) {
      for (let c = 0; c < ch; c++) {
        const src = block[c]
        for (let i = 0; i < m; i++) stage.writeFloatLE(src[from + i], at + (i * ch + c) * 4)
      }
    } else {
      if (this.#ints.length < m * ch) this.#ints = new Int32Array(m * ch)
      const ints = this.#ints
      const scale = this.opts.bits === 16 ? 32768 : 8388608
      for (let c = 0; c < ch; c++)
        this.clipped += quantize(block[c].subarray(from, from + m), m, scale, ints, ch, c)
      const total = m * ch
      if (this.#bytesPerSample === 2 && LITTLE_ENDIAN && (stage.byteOffset + at) % 2 === 0) {
        new Int16Array(stage.buffer, stage.byteOffset + at, total).set(ints.subarray(0, total))
      } else if (this.#bytesPerSample === 2) {
        for (let i = 0, b = at; i < total; i++, b += 2) {
          const v = ints[i]
          stage[b] = v & 0xff
          stage[b + 1] = (v >> 8) & 0xff
        }
      } else {
        for (let i = 0, b = at; i < total; i++, b += 3) {
          const v = ints[i]
          stage[b] = v & 0xff
          stage[b + 1] = (v >> 8) & 0xff
          stage[b + 2] = (v >> 16) & 0xff
        }
      }
    }
    this.#fill += m * this.#blockAlign
  }

  /**
   * Starts writing the filled stage and swaps in the spare buffer, so the disk write overlaps the
   * caller's next block; waits only for the previous write (at most one in flight).
   */
  async #flush(): Promise<void> {
    await this.#drain()
    if (!this.#fill) return
    const full = this.#stage.subarray(0, this.#fill)
    if (this.#spare.length !== this.#stage.length) {
      this.#spare = Buffer.allocUnsafeSlow(this.#stage.length)
    }
    // The spare is idle (its write was drained above): fill it while `full` is written.
    ;[this.#stage, this.#spare] = [this.#spare, this.#stage]
    this.#fill = 0
    const p = this.sink.append(full)
    p.catch(() => undefined) // handled in #drain(); avoids an unhandled rejection after abort
    this.#inflight = p
  }

  /** Waits for the write in flight, if any (its error surfaces here). */
  async #drain(): Promise<void> {
    const p = this.#inflight
    this.#inflight = undefined
    if (p) await p
  }

  protected override async abortNow(): Promise<void> {
    await this.#inflight?.catch(() => undefined)
    this.#inflight = undefined
    await super.abortNow()
  }

  protected async finish(): Promise<void> {
    if (!this.#headerWritten) {
      await this.sink.append(this.#header(false, 0, this.#headerSize))
      this.#headerWritten = true
    }
    await this.#flush()
    await this.#drain()
    const dataBytes = this.framesWritten * this.#blockAlign
    if (dataBytes & 1) await this.sink.append(new Uint8Array(1)) // RIFF chunks are word-aligned
    const fileSize = this.sink.size
    const rf64 = !!this.opts.forceRf64 || fileSize - 8 > 0xffffffff
    await this.sink.patch(0, this.#header(rf64, dataBytes, fileSize))
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

class FlacWriter extends BaseWriter {
  #enc!: FlacStreamEncoder
  #pending: Uint8Array[] = []
  #ints: Int32Array[] = []
  #first = true
  #inflight: Promise<void> | undefined

  static async open(sink: FileSink, opts: StemWriterOptions): Promise<FlacWriter> {
    const w = new FlacWriter(sink, opts)
    try {
      w.#enc = await FlacStreamEncoder.create(
        {
          sampleRate: opts.sampleRate,
          channels: opts.channels,
          bits: opts.bits as 16 | 24,
          totalFrames: opts.totalFrames,
        },
        (bytes) => w.#pending.push(bytes),
      )
    } catch (e) {
      await sink.abort()
      throw e
    }
    return w
  }

  /** Writes the encoded bytes collected so far once there is 1 MiB of them (or `force`), in the background. */
  async #flush(force = false): Promise<void> {
    if (!this.#pending.length) return
    let total = 0
    for (const c of this.#pending) total += c.length
    if (total < FLUSH_BYTES && !force) return
    await this.#drain()
    const chunks = this.#pending
    this.#pending = []
    if (this.#first) {
      const head = chunks[0]
      if (!(head[0] === 0x66 && head[1] === 0x4c && head[2] === 0x61 && head[3] === 0x43))
        throw new Error('libFLAC did not start the stream with fLaC')
      this.#first = false
    }
    const all = new Uint8Array(total)
    let at = 0
    for (const c of chunks) {
      all.set(c, at)
      at += c.length
    }
    const p = this.sink.append(all)
    p.catch(() => undefined) // handled in #drain()
    this.#inflight = p
  }

  async #drain(): Promise<void> {
    const p = this.#inflight
    this.#inflight = undefined
    if (p) await p
  }

  protected async writeBlock(block: Float32Array[], n: number): Promise<void> {
    const scale = this.opts.bits === 16 ? 32768 : 8388608
    for (let c = 0; c < block.length; c++) {
      if (!this.#ints[c] || this.#ints[c].length < n) this.#ints[c] = new Int32Array(n)
      this.clipped += quantize(block[c], n, scale, this.#ints[c], 1, 0)
    }
    this.#enc.process(
      this.#ints.map((a) => (a.length === n ? a : a.subarray(0, n))),
      n,
    )
    await this.#flush()
  }

  protected async finish(): Promise<void> {
    const info = this.#enc.finish()
    await this.#flush(true)
    await this.#drain()
    if (this.#first) throw new Error('libFLAC wrote no stream')
    // STREAMINFO body starts after 'fLaC' (4) and its block header (4).
    const bits = this.opts.bits as 16 | 24
    await this.sink.patch(
      8,
      streamInfoBody(info, this.opts.sampleRate, this.opts.channels, bits, this.framesWritten),
    )
  }

  protected override async abortNow(): Promise<void> {
    await this.#inflight?.catch(() => undefined)
    this.#inflight = undefined
    await super.abortNow()
  }

  protected override release(): void {
    this.#enc?.dispose()
  }
}
