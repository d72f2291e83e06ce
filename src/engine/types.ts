/**
 * Public types of the separation engine. Pure data: typed arrays and plain objects,
 * so every one of them can cross a Worker / MessagePort boundary by structured clone.
 */
import type { MaskGrid, MaskMode, SourceCountSuggestion } from '../shared/ipc'

import type { ModelSourceCount } from '../shared/model'

/** Planar float32 audio, nominal range [-1, 1]; every channel has the same length. */
export interface PcmAudio {
  /** Samples per second, Hz. */
  sampleRate: number
  /** One Float32Array per channel (planar). */
  channels: Float32Array[]
}

/** The engine's named stages, in pipeline order. */
export type StageName =
  | 'downmix'
  | 'resample'
  | 'stft'
  | 'features'
  | 'embed'
  | 'activeBins'
  | 'kmeans'
  | 'masks'
  | 'apply'
  | 'istft'

/**
 * Seconds spent per stage; stages that did not run are absent. `total` is wall time of the call,
 * `embed` the network alone, `quantize` storing its output as int8, `synthesize` the whole streaming
 * synthesis (apply + istft + sink), `sink` the part of it spent inside sink.write().
 */
export type StageTimings = Partial<
  Record<StageName | 'quantize' | 'suggest' | 'synthesize' | 'sink' | 'total', number>
>

/** Progress report: `fraction` in [0, 1] of the whole call, `stage` the stage now running. */
export interface EngineProgress {
  stage: StageName | 'suggest' | 'synthesize'
  fraction: number
}

/** Options every long-running engine call accepts. */
export interface RunOptions {
  /** Called now and then (at most every few ms of work) with overall progress. */
  onProgress?: (p: EngineProgress) => void
  /** Aborting rejects the call with a DOMException named 'AbortError'. */
  signal?: AbortSignal
}

/** Options of `analyse()`. */
export interface AnalyseOptions extends RunOptions {
  /** Frames per inference chunk (default: the model's trainedChunkFrames, at least 100). */
  chunkFrames?: number
  /** Frames of context discarded at each side of a chunk's centre (default chunkFrames / 8). */
  overlapFrames?: number
  /** Chunks per embed() call (default 4). */
  batchChunks?: number
  /**
   * The stereo cue (src/engine/stereo.ts) for a two-channel input: true uses the model's setting
   * (metadata stereoCue, else DEFAULT_STEREO_CUE), a number is the weight itself; false, 0 or
   * absent leave it off. Inputs of other channel counts never get it.
   */
  stereoCue?: boolean | number
}

/**
 * What the network saw and said about one file, kept so another k needs no inference.
 * Model grid: `frames` x `bins`, frame t centred on sample t*hop of the analysis signal.
 */
export interface Analysis {
  /** Analysis-signal rate (the model's), Hz. */
  sampleRate: number
  nFft: number
  hop: number
  frames: number
  /** nFft/2 + 1. */
  bins: number
  /**
   * Dimension of the stored vectors: the model's embedding dimension D, or D + 1 when the stereo
   * cue was appended (stereoCue > 0).
   */
  dim: number
  /** Weight of the stereo cue appended to the embeddings; 0 when none was (mono input, or off). */
  stereoCue: number
  /** Duration of the input, seconds. */
  durationSec: number
  /** Sample rate of the original input, Hz (the stems' rate). */
  inputSampleRate: number
  /** Length of the original input in samples at inputSampleRate. */
  inputLength: number
  /** |X| of the analysis signal on the model grid, float32 [frames * bins] (t-major). */
  magnitude: Float32Array
  /**
   * Unit embeddings (with the stereo cue, if any) quantised to int8: round(127 * v), int8 [frames * bins * dim].
   * Dot products of these / 127^2 approximate cosine similarity to ~1e-2.
   */
  embeddings: Int8Array
  /** Bins within this many dB of the loudest bin are "active" (clustered). */
  activeThresholdDb: number
  /** The model's source-count classifier (ModelMetadata.sourceCount), used by suggestSourceCount. */
  sourceCount?: ModelSourceCount
  /** Seconds per stage of the analysis. */
  timings: StageTimings
}

/** Options of `clusterSources()`. */
export interface ClusterOptions {
  /** k-means++ restarts; the best (lowest weighted inertia) wins. Default 4. */
  restarts?: number
  /** Lloyd iterations per restart (upper bound). Default 30. */
  maxIterations?: number
  /** Active bins sampled for fitting. Default 100_000. */
  sampleSize?: number
  /** Seed of the deterministic PRNG. Default 1. */
  seed?: number
  /**
   * Weight of a bin in the fit: its magnitude |X| (default), sqrt |X|, its level in dB above the
   * activity threshold, or 1 ('uniform').
   */
  weighting?: 'magnitude' | 'sqrt' | 'db' | 'uniform'
  /**
   * Assign every bin to its nearest centroid (Clustering.assignment). Default true; false leaves
   * `assignment` empty (length 0), e.g. when only soft masks follow.
   */
  assign?: boolean
}

/** k centroids on the unit sphere plus every bin's nearest centroid. */
export interface Clustering {
  k: number
  dim: number
  /** Unit-norm centroids, float32 [k * dim]. */
  centroids: Float32Array
  /** Nearest centroid (cosine) of every model-grid bin, uint8 [frames * bins] (empty if not asked for). */
  assignment: Uint8Array
  /** Share of the active bins' magnitude weight per cluster, sums to 1. */
  weightShares: number[]
  /** Weighted mean cosine distance of the fitted sample to its centroid. */
  inertia: number
}

// The suggested number of sources and the mask mode are defined once, in the shared contract.
export type { MaskMode, SourceCountSuggestion }

/** Options of `sourceMasks()`. */
export interface MaskOptions {
  /** Softmax sharpness on cosine distance (soft mode). Default 5. */
  beta?: number
}

/** The grid of k masks: the source count on the analysis grid (MaskGrid of the contract). */
export interface SourceGrid extends MaskGrid {
  k: number
}

/** One mask per source on the model grid; at every bin the k masks sum to 1. */
export interface SourceMasks extends SourceGrid {
  /** float32 [k][frames * bins] (t-major), values in [0, 1]. */
  masks: Float32Array[]
}

/**
 * Receives the stems block by block. For each block the engine calls write(s, block) once for
 * every source s = 0..k-1 in order, with consecutive blocks of each source covering the input
 * exactly once. `block` is planar [channels][samples] and is only valid during the call (the
 * engine reuses it): copy it if you keep it. A returned promise is awaited (backpressure).
 */
export interface StemSink {
  write(sourceIndex: number, block: Float32Array[]): void | Promise<void>
}

/** Options of `synthesizeStems()`. */
export interface SynthesisOptions extends RunOptions {
  /** FFT size of the output STFT at the input rate (power of two). Default: ~64 ms, see docs/engine.md. */
  nFft?: number
  /** Output STFT frames per streamed block. Default 256. */
  blockFrames?: number
  /**
   * Only these samples of the stems (e.g. a playback window): the sink receives `length` samples
   * from `start` on, identical to that slice of a whole-file synthesis.
   */
  range?: { start: number; length: number }
}

/** What `synthesizeStems()` measured while streaming. */
export interface SynthesisResult {
  /** Energy of each stem divided by the sum of the stems' energies. */
  energyShares: number[]
  nFft: number
  hop: number
  timings: StageTimings
}

/** Settings of `separate()`. */
export interface SeparationSettings {
  /** Number of sources, or 'auto' to use suggestSourceCount(). */
  sources: number | 'auto'
  mask: MaskMode
  /** Upper bound for 'auto'. Default LIMITS.maxSources (8), the app's and the CLI's cap. */
  maxSources?: number
  beta?: number
  /** The stereo cue for a two-channel input (AnalyseOptions.stereoCue). Default off. */
  stereoCue?: boolean | number
}

/** Result of `separate()`. */
export interface SeparationResult {
  /** The number of stems written. */
  k: number
  /** Present when settings.sources was 'auto'. */
  suggestion?: SourceCountSuggestion
  energyShares: number[]
  timings: StageTimings
  /** Kept so the caller can re-cluster (another k) without inference. */
  analysis: Analysis
  clustering: Clustering
}

/** Options of `magnitudeSpectrogram()`. */
export interface SpectrogramOptions {
  /** FFT size (power of two). Default 2048. */
  nFft?: number
  /** Hop in samples. Default nFft / 4. */
  hop?: number
  /** Values are clamped below this, dB. Default -120. */
  floorDb?: number
  /** Upper bound on frames: the hop widens for long inputs so the result stays small. */
  maxFrames?: number
}

/** A magnitude spectrogram in dB re full scale (0 dB = full-scale sine), for display. */
export interface Spectrogram {
  sampleRate: number
  nFft: number
  hop: number
  frames: number
  bins: number
  /** float32 [frames * bins] (t-major), dB. */
  db: Float32Array
  /** Loudest value in `db`. */
  maxDb: number
}
