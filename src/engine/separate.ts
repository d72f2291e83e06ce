import { LIMITS } from '../shared/ipc'
import type { ModelMetadata } from '../shared/model'
import { analyse } from './analyse'
import { clusterSources, FIT_SAMPLE_SIZE, fitSample } from './cluster/cluster'
import { suggestSourceCount } from './cluster/suggest'
import type { Embedder } from './embedder'
import { clusterMaskRows, DEFAULT_BETA } from './masks/masks'
import { type MaskRowSource, synthesizeFromRows } from './masks/synthesize'
import type {
  Analysis,
  Clustering,
  MaskMode,
  PcmAudio,
  SeparationResult,
  SeparationSettings,
  StageTimings,
  StemSink,
  SynthesisOptions,
} from './types'
import { throwIfAborted } from './util'

/**
 * Model-grid masks computed row by row from the embeddings and centroids (nothing [k][T*F] is held),
 * so long files stay memory-bounded. Rows of the last few frames are cached; `seconds` accumulates
 * the time spent computing them (the 'masks' stage).
 */
export function lazyMaskRows(
  analysis: Analysis,
  clustering: Clustering,
  mode: MaskMode,
  beta = DEFAULT_BETA,
): MaskRowSource & { seconds: number } {
  const { bins, frames } = analysis
  const k = clustering.k
  const slots = 4
  const cacheT = new Int32Array(slots).fill(-1)
  const cache = Array.from({ length: slots }, () =>
    Array.from({ length: k }, () => new Float32Array(bins)),
  )
  let next = 0
  const src = {
    k,
    sampleRate: analysis.sampleRate,
    nFft: analysis.nFft,
    hop: analysis.hop,
    frames,
    bins,
    seconds: 0,
    row(t: number, s: number): Float32Array {
      for (let i = 0; i < slots; i++) if (cacheT[i] === t) return cache[i][s]
      const t0 = performance.now()
      const slot = next
      next = (next + 1) % slots
      const rows = cache[slot]
      clusterMaskRows(analysis, clustering, mode, beta, t * bins, (t + 1) * bins, rows)
      cacheT[slot] = t
      src.seconds += (performance.now() - t0) / 1000
      return rows[s]
    },
  }
  return src
}

/**
 * The whole pipeline, named stages with their shapes:
 * analyse      PcmAudio [C][n] -> Analysis (downmix, resample, stft, features, embed; int8 [T*F*D])
 * suggest      Analysis -> k (only for sources: 'auto')
 * activeBins   |X| [T*F] -> sample of active bins; kmeans: [m*D] -> centroids [k*D]; assign: [T*F] -> uint8
 * masks        embeddings + centroids -> [k][F] per model frame (computed lazily, block by block)
 * apply        full-rate STFT of every channel [C][T'][F'] * interpolated masks
 * istft        -> stems [k][C][n], streamed to `sink` in blocks (the last stem = input - the others)
 */
export async function separate(
  audio: PcmAudio,
  model: ModelMetadata,
  embedder: Embedder,
  settings: SeparationSettings,
  sink: StemSink,
  opts: SynthesisOptions = {},
): Promise<SeparationResult> {
  const tStart = performance.now()
  const onProgress = opts.onProgress
  // Progress: analysis 0..0.75, clustering 0.75..0.8, synthesis 0.8..1.
  const analysis = await analyse(audio, model, embedder, {
    signal: opts.signal,
    stereoCue: settings.stereoCue,
    onProgress: onProgress && ((p) => onProgress({ stage: p.stage, fraction: 0.75 * p.fraction })),
  })
  const timings: StageTimings = { ...analysis.timings }
  delete timings.total
  throwIfAborted(opts.signal)
  let suggestion: SeparationResult['suggestion']
  let k: number
  if (settings.sources === 'auto') {
    onProgress?.({ stage: 'suggest', fraction: 0.75 })
    const t = performance.now()
    suggestion = suggestSourceCount(analysis, settings.maxSources ?? LIMITS.maxSources)
    timings.suggest = (performance.now() - t) / 1000
    k = suggestion.count
  } else {
    k = settings.sources
    if (!(Number.isInteger(k) && k >= 1 && k <= 32))
      throw new RangeError(`sources must be 'auto' or an integer in 1..32, got ${k}`)
  }
  throwIfAborted(opts.signal)
  onProgress?.({ stage: 'activeBins', fraction: 0.77 })
  const ta = performance.now()
  fitSample(analysis, FIT_SAMPLE_SIZE, 1) // the active-bin sample clusterSources fits on (cached)
  timings.activeBins = (performance.now() - ta) / 1000
  onProgress?.({ stage: 'kmeans', fraction: 0.78 })
  const tk = performance.now()
  const clustering = clusterSources(analysis, k, { assign: settings.mask === 'hard' })
  timings.kmeans = (performance.now() - tk) / 1000
  const rows = lazyMaskRows(analysis, clustering, settings.mask, settings.beta ?? DEFAULT_BETA)
  const synth = await synthesizeFromRows(audio, rows, sink, {
    ...opts,
    onProgress:
      onProgress && ((p) => onProgress({ stage: p.stage, fraction: 0.8 + 0.2 * p.fraction })),
  })
  Object.assign(timings, synth.timings)
  timings.masks = rows.seconds
  timings.apply = Math.max(0, (timings.apply ?? 0) - rows.seconds)
  timings.total = (performance.now() - tStart) / 1000
  return { k, suggestion, energyShares: synth.energyShares, timings, analysis, clustering }
}
