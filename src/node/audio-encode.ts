/**
 * Streaming stem writers: WAV 16/24-bit PCM and 32-bit float (RF64 once past 4 GiB), FLAC
 * 16/24-bit. Atomic: samples go to a hidden temp file in the target folder; commit() fixes the
 * header, fsyncs and moves it into place (never over an existing file unless `force`); abort()
 * deletes it. Integer output is rounded to nearest (ties away from zero) and clipped, no dither.
 */
import { randomBytes } from 'node:crypto'
import { constants as fsc } from 'node:fs'
import { lstat, open, readdir, realpath, unlink, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { OutputError, UsageError } from '../shared/errors'
import { FlacWriter } from './flac-writer'
import { FileSink, writeError, type StemWriter, type StemWriterOptions } from './stem-writer-base'
import { WavWriter } from './wav-writer'

export { writeError } from './stem-writer-base'

export type { StemBits, StemFormat, StemWriter, StemWriterOptions } from './stem-writer-base'

/** Opens a streaming writer for one stem file at `path`. Throws OutputError if it cannot or must not write there. */
export async function openStemWriter(path: string, opts: StemWriterOptions): Promise<StemWriter> {
  validate(opts)
  const target = resolve(path)
  await checkTarget(target, opts)
  await removeStaleParts(dirname(target))
  const tmp = join(dirname(target), hiddenName(basename(target), 'part'))
  let fh: FileHandle
  try {
    fh = await open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o644)
  } catch (e) {
    throw writeError(e, target)
  }
  const sink = new FileSink(fh, tmp, target)
  return opts.format === 'wav' ? new WavWriter(sink, opts) : await FlacWriter.open(sink, opts)
}

/**
 * Name of a hidden file beside a stem: the target's name, this process's id, a random tag and the
 * kind: `part` for a stem being written, `old` for the file a `--force` run is replacing, kept
 * until every stem of the run is in place (stem-export.ts).
 */
export function hiddenName(base: string, kind: 'part' | 'old'): string {
  return `.${base}.${process.pid}-${randomBytes(6).toString('hex')}.${kind}`
}

/** A file hiddenName() made (the pid is absent in `.part` names from before it was recorded). */
const PART_RE = /^\..+\.(?:(\d+)-)?[0-9a-f]{12}\.(part|old)$/
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
 * without a pid in the name, untouched for an hour. The same for the `.old` links a killed
 * `--force` run kept of the files it was replacing, timed from the link's making (its ctime: the
 * mtime is the old file's). Once per folder per process; never throws.
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
      const pid = m[1] === undefined ? undefined : Number(m[1])
      const old = m[2] === 'old'
      if (!(st.isFile() || (old && st.isSymbolicLink())) || (old && pid === undefined)) continue
      const idle = now - (old ? st.ctimeMs : st.mtimeMs)
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
