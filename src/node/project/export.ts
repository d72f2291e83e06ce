/**
 * The stem export of a saved project (`unweave separate --project`): check + decode the recording,
 * rebuild the masks (automatic masks + the undo stack replayed), synthesizeStems() on them, written
 * through writeStems() (stem-export.ts), the path the app's export takes too, so a project exported
 * here and the same edits exported from the app give the same bytes. No Electron import.
 */
import { basename, extname, join, resolve } from 'node:path'
import {
  synthesizeStems,
  type EngineProgress,
  type PcmAudio,
  type SourceMasks,
} from '../../engine/index'
import { InputError } from '../../shared/errors'
import { decodeAudioFile } from '../audio-decode'
import type { StemBits, StemFormat } from '../audio-encode'
import { checkStemTargets, writeStems } from '../stem-export'
import { projectEditor, type ProjectData } from './project-data'
import { checkProjectAudio, gridMisfit, requireAudio } from './read'

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
  /** The STFT of the model the project names, when it is at hand: the masks' grid must be its. */
  modelStft?: { sampleRate: number; nFft: number; hop: number }
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
  await checkStemTargets(paths, project.audio.path, options.force, 'another folder')
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
  const misfit = gridMisfit(
    project.automatic,
    { length: n, sampleRate: audio.sampleRate },
    options.modelStft,
  )
  if (misfit)
    throw new InputError(
      `the project does not fit its recording ${basename(project.audio.path)}: ${misfit}. The project is damaged or belongs to another file.`,
    )
  // The masks.
  const tm = performance.now()
  const masks = options.masks ?? projectMasks(project)
  const masksSec = (performance.now() - tm) / 1000
  // Synthesis streamed into the writers of the chosen sources (src/node/stem-export.ts).
  const ts = performance.now()
  const written = await writeStems(
    audio,
    sources.map((source, i) => ({ source, path: paths[i]! })),
    {
      format: options.format,
      bits: options.bits,
      force: options.force,
      protect: [project.audio.path],
      openFirst: true,
    },
    (sink) =>
      synthesizeStems(audio, masks, sink, {
        signal: options.signal,
        onProgress: options.onProgress,
      }),
  )
  const writeSec = (performance.now() - ts) / 1000
  return {
    files: written.files,
    sampleRate: audio.sampleRate,
    channels: C,
    durationSec: n / audio.sampleRate,
    energyShares: written.result.energyShares,
    clippedSamples: written.clippedSamples,
    timingsSec: {
      decode: decodeSec,
      masks: masksSec,
      synthesize: Math.max(0, writeSec - written.encodeSec),
      encode: written.encodeSec,
      total: (performance.now() - t0) / 1000,
    },
  }
}
