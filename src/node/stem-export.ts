/**
 * The one way stems are written, for the app's export, a project's export and `unweave separate`:
 * a writer per target file (openStemWriter: a hidden temp file beside it), the engine's synthesis
 * streamed into them, then every file staged (finished and fsynced) before any is moved into place,
 * or, on any failure, every writer aborted, every stem already placed removed again and every file
 * it replaced (with `force`) put back, so no partial result is left and nothing old is lost.
 */
import { constants as fsc } from 'node:fs'
import {
  copyFile,
  link,
  lstat,
  readlink,
  realpath,
  rename,
  symlink,
  unlink,
} from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import type { PcmAudio, StemSink } from '../engine/index'
import { OutputError } from '../shared/errors'
import {
  hiddenName,
  openStemWriter,
  writeError,
  type StemBits,
  type StemFormat,
  type StemWriter,
} from './audio-encode'

/** One stem file to write: the 0-based source and its path. */
export interface StemTarget {
  source: number
  path: string
}

/** How the stems are written. */
export interface StemFileOptions {
  format: StemFormat
  bits: StemBits
  /** Replace existing files (atomically, on commit). Default false. */
  force?: boolean
  /** Files never to be overwritten, even with `force` (the recording). */
  protect?: string[]
  /** Open every writer before the synthesis starts (an unwritable folder fails first). Default: each on its first block. */
  openFirst?: boolean
}

/** What writeStems() reports besides the synthesis's own result. */
export interface WrittenStems<R> {
  /** The synthesis's result. */
  result: R
  /** The files committed, in target order. */
  files: StemTarget[]
  /** Integer samples clipped to full scale, summed over the files. */
  clippedSamples: number
  /** Seconds spent in the writers (encoding while streaming, and committing). */
  encodeSec: number
  /** Seconds spent committing (part of encodeSec). */
  commitSec: number
}

/**
 * Refuses, before any work, targets that would overwrite `input` and, unless `force`, targets that
 * exist already (OutputError naming them; `where` says what to choose instead, e.g. 'another
 * --out folder').
 */
export async function checkStemTargets(
  paths: string[],
  input: string,
  force: boolean | undefined,
  where: string,
): Promise<void> {
  const realInput = await realpath(input).catch(() => resolve(input))
  for (const p of paths)
    if ((await realpath(p).catch(() => p)) === realInput)
      throw new OutputError(`the stem ${p} would overwrite the input file. Choose ${where}.`)
  if (force) return
  const existing: string[] = []
  for (const p of paths) if (await exists(p)) existing.push(p)
  if (existing.length)
    throw new OutputError(
      `${existing.length === 1 ? 'an output exists already' : `${existing.length} outputs exist already`}: ${existing.join(', ')}. Use --force to overwrite, or choose ${where}.`,
    )
}

/**
 * A hidden hard link beside `path` to the file there now (undefined when there is none), so it can
 * be put back if the run fails after replacing it; a copy where links are not supported (FAT). A
 * symbolic link there is kept as a symbolic link to the same place.
 */
async function keepOld(path: string): Promise<string | undefined> {
  const st = await lstat(path).catch(() => undefined)
  if (!st?.isFile() && !st?.isSymbolicLink()) return undefined
  const old = join(dirname(path), hiddenName(basename(path), 'old'))
  try {
    if (st.isSymbolicLink()) await symlink(await readlink(path), old)
    else await link(path, old).catch(() => copyFile(path, old, fsc.COPYFILE_EXCL))
  } catch (e) {
    throw writeError(e, path)
  }
  return old
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p)
    return true
  } catch {
    return false
  }
}

/**
 * Runs `synthesize` with a sink that streams each target source's blocks into its stem writer
 * (other sources are dropped), then checks that every source of `complete(result)` (default: every
 * target) got all of `audio`'s frames and commits them. On any failure nothing is left behind.
 */
export async function writeStems<R>(
  audio: PcmAudio,
  targets: StemTarget[],
  options: StemFileOptions,
  synthesize: (sink: StemSink) => Promise<R>,
  complete: (result: R) => number[] = () => targets.map((t) => t.source),
): Promise<WrittenStems<R>> {
  const frames = audio.channels[0]?.length ?? 0
  const slot = new Map(targets.map((t, i) => [t.source, i]))
  const writers: (StemWriter | undefined)[] = []
  const opening: Promise<StemWriter>[] = []
  const committed: string[] = []
  /** target -> hidden link to the file it replaces (force), removed once all are placed */
  const backups = new Map<string, string>()
  let encodeMs = 0
  let ok = false
  const writerFor = (i: number): Promise<StemWriter> =>
    (opening[i] ??= openStemWriter(targets[i]!.path, {
      format: options.format,
      bits: options.bits,
      sampleRate: audio.sampleRate,
      channels: audio.channels.length,
      force: options.force,
      totalFrames: frames,
      ...(options.protect ? { protect: options.protect } : {}),
    }).then((w) => (writers[i] = w)))
  try {
    if (options.openFirst) await Promise.all(targets.map((_, i) => writerFor(i)))
    const result = await synthesize({
      write: async (source, block) => {
        const i = slot.get(source)
        if (i === undefined) return
        const t = performance.now()
        await (await writerFor(i)).write(block)
        encodeMs += performance.now() - t
      },
    })
    const tc = performance.now()
    await Promise.allSettled(opening)
    const done = complete(result).map((source) => {
      const i = slot.get(source)
      const w = i === undefined ? undefined : writers[i]
      if (!w || w.frames !== frames)
        throw new Error(
          `the engine wrote ${w?.frames ?? 0} of ${frames} samples of source ${source + 1}`,
        )
      return { w, target: targets[i!]! }
    })
    // Stage every file (header, fsync) before any is moved into place: a failure up to here
    // leaves every existing file as it was. With `force`, each file about to be replaced keeps a
    // hidden link (its old content) until all are placed, so a failed move puts the old ones back.
    for (const { w } of done) await w.stage()
    if (options.force)
      for (const { target } of done) {
        const old = await keepOld(target.path)
        if (old) backups.set(target.path, old)
      }
    for (const { w, target } of done) {
      await w.place()
      committed.push(target.path)
    }
    // writers of targets the synthesis did not make (none when every target is expected)
    const kept = new Set(done.map((d) => d.w))
    await Promise.allSettled(writers.filter((w) => w && !kept.has(w)).map((w) => w!.abort()))
    const commitMs = performance.now() - tc
    ok = true
    return {
      result,
      files: done.map((d) => d.target),
      clippedSamples: writers.reduce((n, w) => n + (w?.clippedSamples ?? 0), 0),
      encodeSec: (encodeMs + commitMs) / 1000,
      commitSec: commitMs / 1000,
    }
  } finally {
    if (!ok) {
      await Promise.allSettled(opening)
      await Promise.allSettled(writers.map((w) => w?.abort()))
      for (const p of committed.reverse()) {
        const old = backups.get(p)
        if (!old) {
          await unlink(p).catch(() => undefined)
          continue
        }
        // put the old file back; should that fail, its link stays (the only copy left)
        await rename(old, p).catch(() => undefined)
        backups.delete(p)
      }
    }
    // the links of files that were not replaced (or, on success, of all)
    for (const old of backups.values()) await unlink(old).catch(() => undefined)
  }
}
