/**
 * What every stem writer shares: the hidden temp file beside the target (FileSink: sequential
 * writes, header patches, fsync, a no-clobber move into place), the rounding of floats to
 * integers, and the writer's life (serial writes, commit, abort).
 */
import { link, lstat, open, rename, unlink, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { OutputError } from '../shared/errors'

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
  /** Finishes the file (header, fsync) and moves it to `path`: stage() then place(). */
  commit(): Promise<void>
  /** Finishes the file (header, fsync) in its hidden temp file; nothing appears at `path` yet. */
  stage(): Promise<void>
  /** Moves the staged file to `path` (over an existing one only with `force`). */
  place(): Promise<void>
  /** Deletes the temp file; idempotent, never throws. */
  abort(): Promise<void>
}

/** Bytes staged before a write to the temp file. */
export const FLUSH_BYTES = 1 << 20

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
export class FileSink {
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

  /** fsync and close: the temp file is complete; nothing at the target yet. */
  async stage(): Promise<void> {
    const fh = this.#handle()
    try {
      await fh.sync()
      await fh.close()
      this.#fh = undefined
    } catch (e) {
      await this.abort()
      throw writeError(e, this.target)
    }
  }

  /** Moves the staged file into place, without replacing an existing file unless `force`. */
  async place(force: boolean): Promise<void> {
    if (this.#fh || this.#done) throw new Error('stem writer is not staged')
    try {
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
export function quantize(
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

export abstract class BaseWriter implements StemWriter {
  protected framesWritten = 0
  protected clipped = 0
  protected state: 'open' | 'staged' | 'committed' | 'aborted' = 'open'
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

  stage(): Promise<void> {
    return this.step('open', 'staged', async () => {
      await this.finish()
      await this.sink.stage()
    })
  }

  place(): Promise<void> {
    return this.step('staged', 'committed', () => this.sink.place(!!this.opts.force))
  }

  /** From state `from`, runs `fn` after every earlier operation, then `to`; on failure aborts. */
  private step(
    from: 'open' | 'staged',
    to: 'staged' | 'committed',
    fn: () => Promise<void>,
  ): Promise<void> {
    if (this.state !== from)
      return Promise.reject(new Error(`stem writer for ${this.path} is ${this.state}`))
    return this.serial(async () => {
      try {
        await fn()
        this.state = to
      } catch (e) {
        await this.abortNow()
        throw e
      }
    })
  }

  async commit(): Promise<void> {
    await this.stage()
    await this.place()
  }

  abort(): Promise<void> {
    if (this.state !== 'open' && this.state !== 'staged') return Promise.resolve()
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
