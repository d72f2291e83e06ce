/**
 * `unweave separate`: decode -> engine separate() -> stems streamed to temp files -> commit.
 * Checks every output path before any work (exit 5, nothing written); on any failure every temp
 * file, every stem already moved into place and any folder it created are removed again.
 */
import { mkdir, open, rmdir, stat, unlink } from 'node:fs/promises'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import {
  separate as engineSeparate,
  type SeparationResult,
  type StageTimings,
} from '../engine/index'
import {
  decodeAudioFile,
  type DecodedAudio,
  writeError,
  checkStemTargets,
  writeStems,
  loadModel,
  type LoadedModel,
  statInputFile,
} from '../node/index'
import { OutputError } from '../shared/errors'
import { formatTime } from '../shared/format'
import { MAX_SOURCES, type SeparateCommand } from './args'
import { ProgressBar } from './progress'

/** The --json object (issue 2, item 8). */
export interface SeparateReport {
  input: string
  sampleRate: number
  channels: number
  durationSec: number
  device: string
  /** Weight of the stereo cue the analysis used (0: none; it needs --stereo-cue and two channels). */
  stereoCue: number
  /**
   * With --sources auto: the suggested count, its confidence (0..1) and the score of every count
   * the suggestion weighed (higher is better; positive only for the suggestion).
   */
  suggestion?: { count: number; confidence: number; scores: { sources: number; score: number }[] }
  sources: { index: number; path: string; energyShare: number }[]
  timingsSec: {
    decode: number
    embed: number
    cluster: number
    synthesize: number
    encode: number
    total: number
  }
}

/** Where the CLI writes; injectable for tests. */
export interface CliIo {
  stdout: { write(s: string): unknown }
  stderr: { write(s: string): unknown; isTTY?: boolean; columns?: number }
}

/** Output path of stem k (1-based): <out>/<input name without extension>.source-<k>.<ext>. */
export function stemPath(outDir: string, input: string, k: number, format: 'wav' | 'flac'): string {
  const base = basename(input, extname(input)) || basename(input)
  return join(outDir, `${base}.source-${k}.${format}`)
}

const sum = (t: StageTimings, keys: (keyof StageTimings)[]): number =>
  keys.reduce((s, k) => s + (t[k] ?? 0), 0)
const round3 = (x: number): number => Math.round(x * 1000) / 1000
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6

/** Creates `dir` (and parents) if missing; returns the topmost folder it created, for cleanup. */
export async function ensureDir(dir: string): Promise<string | undefined> {
  try {
    const st = await stat(dir)
    if (!st.isDirectory())
      throw new OutputError(`--out ${dir} is a file, not a folder. Choose a folder.`)
    return undefined
  } catch (e) {
    if (e instanceof OutputError) throw e
    const code = (e as NodeJS.ErrnoException).code
    if (code !== 'ENOENT') throw writeError(e, join(dir, 'x'))
  }
  try {
    return await mkdir(dir, { recursive: true })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOTDIR' || code === 'EEXIST')
      throw new OutputError(
        `cannot create the folder ${dir}: part of the path is a file. Choose another --out folder.`,
        { cause: e },
      )
    throw new OutputError(
      `cannot create the folder ${dir}: ${(e as Error).message}. Choose a writable --out folder.`,
      { cause: e },
    )
  }
}

/** Proves the folder is writable by creating and removing a hidden probe file. */
async function probeWritable(dir: string): Promise<void> {
  const p = join(dir, `.unweave-probe-${randomBytes(6).toString('hex')}`)
  try {
    const fh = await open(p, 'wx')
    await fh.close()
  } catch (e) {
    throw writeError(e, join(dir, 'stem'))
  }
  await unlink(p).catch(() => undefined)
}

/** Removes folders created by ensureDir() from `leaf` up to `top`, if empty. */
export async function removeCreatedDirs(top: string | undefined, leaf: string): Promise<void> {
  if (!top) return
  let d = resolve(leaf)
  const stop = dirname(resolve(top))
  while (d !== stop && d.startsWith(resolve(top))) {
    try {
      await rmdir(d)
    } catch {
      return
    }
    d = dirname(d)
  }
}

/** Runs `unweave separate`; returns the exit code (errors with an exitCode are thrown to the caller). */
export async function runSeparate(
  cmd: SeparateCommand,
  io: CliIo,
  signal: AbortSignal,
): Promise<number> {
  const t0 = performance.now()
  const input = resolve(cmd.input)

  // 1. The input must be a readable regular file (details are the decoder's job).
  await statInputFile(input, 'an audio file')

  // 2. Outputs: refuse before doing any work if one exists (unless --force).
  const outDir = resolve(cmd.out ?? dirname(input))
  const count = cmd.sources === 'auto' ? MAX_SOURCES : cmd.sources
  const paths = Array.from({ length: count }, (_, i) => stemPath(outDir, input, i + 1, cmd.format))
  await checkStemTargets(paths, input, cmd.force, 'another --out folder')
  const createdDir = await ensureDir(outDir)
  const bar = new ProgressBar(io.stderr)
  let ok = false
  try {
    await probeWritable(outDir)

    // 3. Decode, while the model loads alongside (input errors win over model errors).
    bar.update(0, 'decode')
    const modelPromise: Promise<LoadedModel> = loadModel(cmd.model)
    modelPromise.catch(() => undefined)
    const td = performance.now()
    const audio: DecodedAudio = await decodeAudioFile(input, { signal })
    const decodeSec = (performance.now() - td) / 1000
    for (const w of audio.warnings ?? []) {
      bar.clear()
      io.stderr.write(`warning: ${w}\n`)
    }
    const model = await modelPromise
    bar.update(0.02, 'model')
    const { createOnnxEmbedder } = await import('../node/index')
    const handle = await createOnnxEmbedder(model.onnxPath, model.metadata, { device: cmd.device })

    // 4. Separate, streaming every stem block into its writer (src/node/stem-export.ts); then
    // commit every stem the separation made.
    const ts = performance.now()
    const written = await writeStems(
      audio,
      paths.map((path, source) => ({ source, path })),
      { format: cmd.format, bits: cmd.bits, force: cmd.force, protect: [input] },
      async (sink) => {
        let separated: SeparationResult
        try {
          separated = await engineSeparate(
            audio,
            model.metadata,
            handle.embedder,
            { sources: cmd.sources, mask: cmd.mask, stereoCue: cmd.stereoCue },
            sink,
            {
              signal,
              onProgress: (p) => bar.update(0.03 + 0.92 * p.fraction, p.stage),
            },
          )
        } finally {
          await handle.embedder.dispose?.().catch(() => undefined)
        }
        signal.throwIfAborted()
        bar.update(0.97, 'encode')
        return separated
      },
      (result) => Array.from({ length: result.k }, (_, s) => s),
    )
    const result = written.result
    const separateSec = (performance.now() - ts) / 1000 - written.commitSec
    const encodeSec = written.encodeSec
    ok = true
    bar.update(1, 'done')
    bar.clear()

    // embed: the whole analysis (downmix, resample, STFT, features, network, int8 storage);
    // cluster: source-count suggestion, k-means and mask computation (done lazily during synthesis);
    // synthesize: the rest of separate() except the time spent in our stem writers (encode).
    const t = result.timings
    const at = result.analysis.timings
    const embed =
      at.total ?? sum(at, ['downmix', 'resample', 'stft', 'features', 'embed', 'activeBins'])
    const cluster = sum(t, ['suggest', 'kmeans', 'masks'])
    const encodeInSink = encodeSec - written.commitSec
    const synthesize = Math.max(0, separateSec - embed - cluster - encodeInSink)
    const report: SeparateReport = {
      input,
      sampleRate: audio.sampleRate,
      channels: audio.channels.length,
      durationSec: round3(audio.durationSec),
      device: handle.provider,
      stereoCue: result.analysis.stereoCue,
      suggestion: result.suggestion && {
        count: result.suggestion.count,
        confidence: round6(result.suggestion.confidence),
        scores: result.suggestion.scores.map((score, i) => ({
          sources: i + 1,
          score: round6(score),
        })),
      },
      sources: Array.from({ length: result.k }, (_, s) => ({
        index: s + 1,
        path: paths[s],
        energyShare: round6(result.energyShares[s] ?? 0),
      })),
      timingsSec: {
        decode: round3(decodeSec),
        embed: round3(embed),
        cluster: round3(cluster),
        synthesize: round3(synthesize),
        encode: round3(encodeSec),
        total: round3((performance.now() - t0) / 1000),
      },
    }
    const clipped = written.clippedSamples
    if (cmd.json) {
      io.stdout.write(JSON.stringify(report) + '\n')
    } else {
      io.stdout.write(humanReport(report, audio, result, cmd))
    }
    if (clipped > 0) {
      io.stderr.write(
        `warning: ${clipped} samples exceeded full scale and were clipped; use --bits 32f to keep them.\n`,
      )
    }
    return 0
  } finally {
    bar.clear()
    if (!ok) await removeCreatedDirs(createdDir, outDir)
  }
}

function humanReport(
  r: SeparateReport,
  audio: DecodedAudio,
  result: SeparationResult,
  cmd: SeparateCommand,
): string {
  const lines: string[] = []
  const depth = audio.bitDepth ? ` ${audio.bitDepth}-bit` : ''
  lines.push(
    `${basename(r.input)}: ${formatTime(r.durationSec)}, ${r.sampleRate} Hz, ${r.channels} channel${r.channels === 1 ? '' : 's'} (${audio.format}${depth})`,
  )
  const how =
    cmd.sources === 'auto' && result.suggestion
      ? ` (auto, confidence ${(result.suggestion.confidence * 100).toFixed(0)}%)`
      : ''
  const cue =
    r.stereoCue > 0
      ? `, stereo cue ${r.stereoCue}`
      : cmd.stereoCue !== false
        ? `, stereo cue not used (it needs 2 channels)`
        : ''
  lines.push(
    `${result.k} source${result.k === 1 ? '' : 's'}${how}, ${cmd.mask} masks${cue}, device ${r.device}`,
  )
  for (const s of r.sources)
    lines.push(
      `  ${String(s.index).padStart(2)}  ${s.path}  ${(s.energyShare * 100).toFixed(1).padStart(5)}% of energy`,
    )
  const t = r.timingsSec
  lines.push(
    `done in ${t.total.toFixed(1)} s (decode ${t.decode.toFixed(2)}, embed ${t.embed.toFixed(2)}, cluster ${t.cluster.toFixed(2)}, synthesize ${t.synthesize.toFixed(2)}, encode ${t.encode.toFixed(2)})`,
  )
  return lines.join('\n') + '\n'
}
