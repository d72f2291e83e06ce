import { ModelError } from '../shared/errors'
import type { ModelMetadata } from '../shared/model'
import { quantizeRows } from './cluster/embeddings'
import { downmix } from './dsp/downmix'
import { Resampler } from './dsp/resample'
import { stftMagnitude } from './dsp/stft'
import type { Embedder } from './embedder'
import { checkModelForEngine } from './model-check'
import { appendCue, DEFAULT_ILD_RANGE_DB, stereoLevelDifference } from './stereo'
import type { AnalyseOptions, Analysis, PcmAudio, StageTimings } from './types'
import { throwIfAborted, yieldToEventLoop } from './util'

/**
 * Resampler settings for the analysis signal: flat to 0.85 of the model's Nyquist (6.8 kHz at
 * 16 kHz), 80 dB down from its Nyquist on. The network only sees log magnitudes, and bins 80 dB
 * below the loudest are silent to it (training ignores bins 40 dB down), so this is transparent
 * to it at 60% of the taps of the 0.9 / 100 dB default.
 */
export const ANALYSIS_RESAMPLE = { passband: 0.85, stopband: 1.0, attenuationDb: 80 } as const

/** Share of analyse()'s progress per stage (the network dominates). */
const PROGRESS = { downmix: 0.01, resample: 0.04, stft: 0.05, embed: 0.9 } as const

/** The stereo cue's setting for models whose metadata has none: the weight chosen on stereo
 * validation mixes for unweave-dc 0.2.0 (models/unweave-dc.md, "Stereo cue"). */
export const DEFAULT_STEREO_CUE = { weight: 2, ildRangeDb: DEFAULT_ILD_RANGE_DB } as const

/** The stereo cue weight analyse() applies to `audio` with option `cue` (0: none). */
export function stereoCueWeight(
  audio: PcmAudio,
  model: ModelMetadata,
  cue: boolean | number | undefined,
): number {
  if (audio.channels.length !== 2 || cue === undefined || cue === false) return 0
  const w = cue === true ? (model.stereoCue ?? DEFAULT_STEREO_CUE).weight : cue
  if (!(Number.isFinite(w) && w >= 0 && w <= 100))
    throw new RangeError(`stereoCue weight must be a number in 0..100, got ${w}`)
  return w
}

/** Checks that audio is planar float32 with equal-length channels and a sane rate. */
export function checkAudio(audio: PcmAudio): void {
  if (!audio || !Array.isArray(audio.channels) || audio.channels.length === 0)
    throw new RangeError('audio has no channels')
  if (!(Number.isInteger(audio.sampleRate) && audio.sampleRate > 0)) {
    throw new RangeError(`audio sample rate must be a positive integer, got ${audio.sampleRate}`)
  }
  const n = audio.channels[0].length
  for (const c of audio.channels) {
    if (!(c instanceof Float32Array)) throw new TypeError('audio channels must be Float32Array')
    if (c.length !== n) throw new RangeError('audio channels differ in length')
  }
}

/**
 * The analysis half of the pipeline, each stage a function over typed arrays:
 * downmix  [C][n] -> [n]                      (mean of channels, input rate)
 * resample [n] -> [m]                         (model rate, zero delay)
 * stft     [m] -> |X| [T * F]                 (model grid, centred, T = floor(m / hop) + 1)
 * features |X| chunk -> ln(|X| + eps) [B, L, F]
 * embed    [B, L, F] -> [B, L, F, D]           (chunks of L frames with overlap, centres kept;
 *                                               features of the next batch and int8 storage of the
 *                                               previous one run while the network works)
 * quantise [T * F * D] float -> int8           (kept in Analysis, so another k needs no network)
 * stereo   (two channels, stereoCue asked) left, right [m] -> ILD [T * F]; [T * F * D] ->
 *          [T * F * (D + 1)]: the cue appended, rows renormalised (stereo.ts)
 */
export async function analyse(
  audio: PcmAudio,
  model: ModelMetadata,
  embedder: Embedder,
  opts: AnalyseOptions = {},
): Promise<Analysis> {
  checkAudio(audio)
  checkModelForEngine(model, embedder)
  const timings: StageTimings = {}
  const tStart = performance.now()
  let t = tStart
  const lap = (name: keyof StageTimings): void => {
    const now = performance.now()
    timings[name] = (timings[name] ?? 0) + (now - t) / 1000
    t = now
  }
  const progress = (stage: 'downmix' | 'resample' | 'stft' | 'embed', fraction: number): void => {
    const before =
      stage === 'downmix' ? 0 : stage === 'resample' ? 0.01 : stage === 'stft' ? 0.05 : 0.1
    opts.onProgress?.({ stage, fraction: before + PROGRESS[stage] * fraction })
  }
  const signal = opts.signal
  const cueWeight = stereoCueWeight(audio, model, opts.stereoCue)
  const { nFft, hop } = model.stft

  throwIfAborted(signal)
  progress('downmix', 0)
  // [C][n] -> [m]: the channels' mean at the model rate. When resampling, the downmix is fused into
  // the resampler's first stage (no mono copy of a long input); 'downmix' then reports ~0.
  // With the stereo cue, left and right are resampled apart and the mean taken of them (the same
  // signal: resampling is linear), and their level difference is kept on the model grid.
  let x: Float32Array
  let cue: Float32Array | undefined
  if (cueWeight > 0) {
    lap('downmix')
    progress('resample', 0)
    await yieldToEventLoop()
    throwIfAborted(signal)
    const [l, r] =
      audio.sampleRate === model.sampleRate
        ? audio.channels
        : audio.channels.map((c) =>
            new Resampler(audio.sampleRate, model.sampleRate, ANALYSIS_RESAMPLE).process(c),
          )
    x = downmix([l, r])
    lap('resample')
    progress('stft', 0)
    await yieldToEventLoop()
    throwIfAborted(signal)
    cue = stereoLevelDifference(l, r, nFft, hop, (model.stereoCue ?? DEFAULT_STEREO_CUE).ildRangeDb)
    lap('stft')
  } else if (audio.sampleRate === model.sampleRate) {
    x = downmix(audio.channels)
    lap('downmix')
  } else {
    lap('downmix')
    progress('resample', 0)
    await yieldToEventLoop()
    throwIfAborted(signal)
    x = new Resampler(audio.sampleRate, model.sampleRate, ANALYSIS_RESAMPLE).processMean(
      audio.channels,
    )
  }
  lap('resample')
  progress('stft', 0)
  await yieldToEventLoop()
  throwIfAborted(signal)
  const { frames, bins, magnitude } = stftMagnitude(x, nFft, hop) // [m] -> [T * F]
  x = new Float32Array(0) // let the analysis signal go before the embeddings are allocated
  lap('stft')

  const dim = model.embeddingDim
  // Room for the stereo cue's coordinate: the rows are spread out to D + 1 once all are in.
  const embeddings = new Int8Array(frames * bins * (cue ? dim + 1 : dim))
  const chunkLen = Math.min(
    frames,
    Math.max(16, opts.chunkFrames ?? Math.max(100, model.trainedChunkFrames || 400)),
  )
  const overlap =
    chunkLen >= frames
      ? 0
      : Math.max(
          0,
          Math.min(Math.floor((chunkLen - 1) / 2), opts.overlapFrames ?? Math.floor(chunkLen / 8)),
        )
  const core = chunkLen - 2 * overlap
  const chunks = chunkLen >= frames ? 1 : Math.ceil(frames / core)
  const batchChunks = Math.max(1, opts.batchChunks ?? 4)
  // Two feature buffers: batch i+1's features are made while the network reads batch i's.
  const featureBufs = [0, 1].map(
    () => new Float32Array(Math.min(batchChunks, chunks) * chunkLen * bins),
  )
  const geometry: ChunkGeometry = { frames, bins, dim, chunkLen, overlap, core, chunks }
  progress('embed', 0)
  // Pipeline: fill features(i) | wait for embed(i-1) | start embed(i) | quantise(i-1) while it runs.
  let inflight: { c0: number; nb: number; result: Promise<Float32Array> } | null = null
  for (let c0 = 0, bi = 0; c0 < chunks || inflight; c0 += batchChunks, bi++) {
    // An embedder may run on this thread when we yield (onnxruntime-node runs the session in a
    // setImmediate callback): time spent yielding or awaiting is the network's.
    await yieldToEventLoop()
    lap('embed')
    throwIfAborted(signal)
    let next: { c0: number; nb: number; buf: Float32Array } | null = null
    if (c0 < chunks) {
      const nb = Math.min(batchChunks, chunks - c0)
      const buf = featureBufs[bi % 2]
      fillFeatures(magnitude, model.feature.eps, geometry, c0, nb, buf) // |X| -> ln(|X| + eps) [B, L, F]
      next = { c0, nb, buf }
      lap('features')
    }
    let done: { c0: number; nb: number; out: Float32Array } | null = null
    if (inflight) {
      const out = await inflight.result // [B, L, F, D]
      if (out.length !== inflight.nb * chunkLen * bins * dim) {
        throw new RangeError(
          `embedder returned ${out.length} values, expected ${inflight.nb}x${chunkLen}x${bins}x${dim}`,
        )
      }
      done = { c0: inflight.c0, nb: inflight.nb, out }
      lap('embed')
    }
    inflight = next && {
      c0: next.c0,
      nb: next.nb,
      result: embedder.embed(
        next.buf.subarray(0, next.nb * chunkLen * bins),
        next.nb,
        chunkLen,
        bins,
      ),
    }
    if (done) {
      const bad = keepChunkCentres(done.out, geometry, done.c0, done.nb, embeddings) // float [B, L, F, D] -> int8 rows
      if (bad > 0) {
        throw new ModelError(
          `the model produced ${bad} invalid (NaN) embedding values; it is damaged or does not fit this engine. Use a model exported by Unweave's training.`,
        )
      }
      lap('quantize')
      progress('embed', Math.min(1, (done.c0 + done.nb) / chunks))
    }
  }
  if (cue) {
    if (cue.length !== frames * bins)
      throw new RangeError('stereo cue grid differs from the analysis grid')
    appendCue(embeddings, dim, frames * bins, cue, cueWeight) // int8 [T*F*D] -> [T*F*(D+1)]
    lap('quantize')
  }
  timings.total = (performance.now() - tStart) / 1000
  return {
    sampleRate: model.sampleRate,
    nFft,
    hop,
    frames,
    bins,
    dim: cue ? dim + 1 : dim,
    stereoCue: cue ? cueWeight : 0,
    durationSec: audio.channels[0].length / audio.sampleRate,
    inputSampleRate: audio.sampleRate,
    inputLength: audio.channels[0].length,
    magnitude,
    embeddings,
    activeThresholdDb: model.silenceThresholdDb > 0 ? model.silenceThresholdDb : 40,
    ...(model.sourceCount && { sourceCount: model.sourceCount }),
    timings,
  }
}

/** How the frames of a file are cut into overlapping inference chunks. */
interface ChunkGeometry {
  frames: number
  bins: number
  dim: number
  /** Frames per chunk (L). */
  chunkLen: number
  /** Context frames discarded at each side of a chunk (except at the file's ends). */
  overlap: number
  /** Frames kept per chunk: chunkLen - 2 * overlap. */
  core: number
  chunks: number
}

/** First frame of chunk i: it covers [start, start + chunkLen). */
function chunkStart(g: ChunkGeometry, i: number): number {
  return Math.max(0, Math.min(i * g.core - g.overlap, g.frames - g.chunkLen))
}

/** features of chunks [c0, c0 + nb): ln(|X| + eps), float32 [nb, L, F] into out. */
function fillFeatures(
  magnitude: Float32Array,
  eps: number,
  g: ChunkGeometry,
  c0: number,
  nb: number,
  out: Float32Array,
): void {
  const len = g.chunkLen * g.bins
  for (let b = 0; b < nb; b++) {
    const src = chunkStart(g, c0 + b) * g.bins
    const dst = b * len
    for (let j = 0; j < len; j++) out[dst + j] = Math.log(magnitude[src + j] + eps)
  }
}

/**
 * Quantises the kept centre frames of chunks [c0, c0 + nb) (embedder output [nb, L, F, D]) into emb;
 * returns the count of NaN values met.
 */
function keepChunkCentres(
  out: Float32Array,
  g: ChunkGeometry,
  c0: number,
  nb: number,
  emb: Int8Array,
): number {
  const { bins, dim, chunkLen, core, chunks, frames } = g
  let bad = 0
  for (let b = 0; b < nb; b++) {
    const i = c0 + b
    const keepFrom = chunks === 1 ? 0 : i * core
    const keepTo = chunks === 1 ? frames : Math.min(frames, (i + 1) * core)
    const srcRow = b * chunkLen * bins + (keepFrom - chunkStart(g, i)) * bins
    const rows = (keepTo - keepFrom) * bins
    bad += quantizeRows(
      out.subarray(srcRow * dim, (srcRow + rows) * dim),
      emb,
      dim,
      keepFrom * bins,
      rows,
    )
  }
  return bad
}
