/**
 * The one stem export of an edited project, called by the app and by `unweave separate --project`:
 * check + decode the recording, rebuild the masks (automatic masks + the undo stack replayed),
 * synthesizeStems() on them, stream every chosen stem into openStemWriter(), commit. The same
 * project gives the same bytes whoever calls it. No Electron import.
 */
import { lstat, realpath, unlink } from 'node:fs/promises'
import { basename, extname, join, resolve } from 'node:path'
import {
  synthesizeStems,
  type EngineProgress,
  type PcmAudio,
  type SourceMasks,
} from '../engine/index'
import { InputError, OutputError } from '../shared/errors'
import { decodeAudioFile } from './audio-decode'
import { openStemWriter, type StemBits, type StemFormat, type StemWriter } from './audio-encode'
import { checkProjectAudio, projectEditor, requireAudio, type ProjectData } from './project-file'

/** Options of exportProjectStems(). */
export interface ProjectExportOptions {
  /** Folder of the stems when `paths` is not given. */
  outDir?: string
  /** Output path per exported source (same order as `sources`); overrides outDir naming. */
  paths?: string[]
  format: StemFormat
  bits: StemBits
  /** Replace existing files (atomically, on commit). Default false: refuse with OutputError. */
  force?: boolean
  /** 0-based sources to write (default all, in order). */
  sources?: number[]
  /** The recording, already decoded by the caller (skips the audio check and decoding). */
  audio?: PcmAudio
  /** The edited masks, if the caller holds them (e.g. the app's live editor); default: rebuilt from the project. */
  masks?: SourceMasks
  signal?: AbortSignal
  onProgress?: (p: EngineProgress) => void
}

/** Result of exportProjectStems(). */
export interface ProjectExportResult {
  files: { source: number; path: string }[]
  sampleRate: number
  channels: number
  durationSec: number
  /** Energy share of every source (all k, not only those written). */
  energyShares: number[]
  /** Integer samples clipped to full scale, summed over the files. */
  clippedSamples: number
  timingsSec: { decode: number; masks: number; synthesize: number; encode: number; total: number }
}

/** Default stem paths: <outDir>/<recording name>.source-<k>.<ext> (k from 1), like `unweave separate`. */
export function projectStemPaths(
  project: ProjectData,
  outDir: string,
  format: StemFormat,
  sources?: number[],
): string[] {
  const input = project.audio.path
  const base = basename(input, extname(input)) || basename(input)
  const list = sources ?? Array.from({ length: project.automatic.k }, (_, i) => i)
  return list.map((s) => join(resolve(outDir), `${base}.source-${s + 1}.${format}`))
}

/** The project's edited masks: the automatic masks with the undo stack replayed. */
export function projectMasks(project: ProjectData): SourceMasks {
  return projectEditor(project).masks
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
 * Writes the chosen stems of an edited project. Refuses (OutputError, nothing written) when a file
 * exists and `force` is not set; InputError when the recording is missing, changed or unreadable.
 * On failure no partial or committed stem is left behind.
 */
export async function exportProjectStems(
  project: ProjectData,
  options: ProjectExportOptions,
): Promise<ProjectExportResult> {
  const t0 = performance.now()
  const k = project.automatic.k
  const sources = options.sources ?? Array.from({ length: k }, (_, i) => i)
  for (const s of sources)
    if (!(Number.isInteger(s) && s >= 0 && s < k))
      throw new RangeError(`export: source ${s} not in 0..${k - 1}`)
  if (new Set(sources).size !== sources.length)
    throw new RangeError('export: a source is listed twice')
  const paths =
    options.paths?.map((p) => resolve(p)) ??
    projectStemPaths(project, options.outDir ?? '.', options.format, sources)
  if (paths.length !== sources.length)
    throw new RangeError(`export: ${paths.length} paths for ${sources.length} sources`)
  // Outputs first: refuse before any work.
  const realInput = await realpath(project.audio.path).catch(() => resolve(project.audio.path))
  for (const p of paths)
    if ((await realpath(p).catch(() => p)) === realInput)
      throw new OutputError(`the stem ${p} would overwrite the recording. Choose another folder.`)
  if (!options.force) {
    const existing: string[] = []
    for (const p of paths) if (await exists(p)) existing.push(p)
    if (existing.length)
      throw new OutputError(
        `${existing.length === 1 ? 'an output exists already' : `${existing.length} outputs exist already`}: ${existing.join(', ')}. Use --force to overwrite, or choose another folder.`,
      )
  }
  // The recording.
  let decodeSec = 0
  let audio = options.audio
  if (!audio) {
    requireAudio(await checkProjectAudio(project))
    const td = performance.now()
    audio = await decodeAudioFile(project.audio.path, { signal: options.signal })
    decodeSec = (performance.now() - td) / 1000
  }
  const C = audio.channels.length
  const n = audio.channels[0]?.length ?? 0
  if (project.audio.sampleRate && audio.sampleRate !== project.audio.sampleRate)
    throw new InputError(
      `the recording's sample rate is ${audio.sampleRate} Hz but the project was made at ${project.audio.sampleRate} Hz. Locate the original file.`,
    )
  // The masks.
  const tm = performance.now()
  const masks = options.masks ?? projectMasks(project)
  const masksSec = (performance.now() - tm) / 1000
  // Synthesis streamed into the writers of the chosen sources.
  const slot = new Map(sources.map((s, i) => [s, i]))
  const writers: (StemWriter | undefined)[] = []
  const opening: Promise<StemWriter>[] = []
  const committed: string[] = []
  let encodeMs = 0
  let ok = false
  try {
    const writerFor = (i: number): Promise<StemWriter> =>
      (opening[i] ??= openStemWriter(paths[i], {
        format: options.format,
        bits: options.bits,
        sampleRate: audio.sampleRate,
        channels: C,
        force: options.force,
        totalFrames: n,
        protect: [project.audio.path],
      }).then((w) => (writers[i] = w)))
    // Open every writer up front so an unwritable folder fails before the synthesis.
    await Promise.all(sources.map((_, i) => writerFor(i)))
    const ts = performance.now()
    const synth = await synthesizeStems(
      audio,
      masks,
      {
        write: async (s, block) => {
          const i = slot.get(s)
          if (i === undefined) return
          const t = performance.now()
          await writers[i]!.write(block)
          encodeMs += performance.now() - t
        },
      },
      { signal: options.signal, onProgress: options.onProgress },
    )
    const synthSec = (performance.now() - ts) / 1000 - encodeMs / 1000
    const tc = performance.now()
    for (let i = 0; i < sources.length; i++) {
      const w = writers[i]!
      if (w.frames !== n)
        throw new Error(`the engine wrote ${w.frames} of ${n} samples of source ${sources[i] + 1}`)
    }
    for (let i = 0; i < sources.length; i++) {
      await writers[i]!.commit()
      committed.push(paths[i])
    }
    encodeMs += performance.now() - tc
    ok = true
    return {
      files: sources.map((s, i) => ({ source: s, path: paths[i] })),
      sampleRate: audio.sampleRate,
      channels: C,
      durationSec: n / audio.sampleRate,
      energyShares: synth.energyShares,
      clippedSamples: writers.reduce((a, w) => a + (w?.clippedSamples ?? 0), 0),
      timingsSec: {
        decode: decodeSec,
        masks: masksSec,
        synthesize: Math.max(0, synthSec),
        encode: encodeMs / 1000,
        total: (performance.now() - t0) / 1000,
      },
    }
  } finally {
    if (!ok) {
      await Promise.allSettled(opening)
      await Promise.allSettled(writers.map((w) => w?.abort()))
      for (const p of committed) await unlink(p).catch(() => undefined)
    }
  }
}
