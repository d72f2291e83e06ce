/**
 * The contract a model ships with (`models/<name>.json` beside `models/<name>.onnx`).
 * Training writes it; the engine and the inference host check it on load (habit 12).
 */

/** STFT settings of the model's analysis grid. */
export interface ModelStft {
  /** FFT size in samples at `sampleRate`. */
  nFft: number
  /** Hop between frames in samples at `sampleRate`. */
  hop: number
  /** Analysis window: periodic Hann of length nFft (torch.hann_window(nFft, periodic=True)). */
  window: 'hann'
  /**
   * Framing: 'center' pads nFft/2 zeros at both ends (torch.stft center=True, pad_mode='constant'),
   * so frame t is centred on sample t*hop and there are floor(n/hop)+1 frames.
   */
  framing: 'center'
}

/** How the network's input features are made from the STFT of the analysis signal. */
export interface ModelFeature {
  /** features[t,f] = ln(|X[t,f]| + eps), X the unnormalised STFT (sum over window samples). */
  type: 'log_magnitude'
  eps: number
  /** Mean/variance normalisation: 'in_graph' means the ONNX graph applies it itself. */
  normalization: 'in_graph'
}

/** The ONNX graph's signature. */
export interface ModelIo {
  /** Input tensor name; float32 [batch, frames, bins]. */
  input: string
  /** Output tensor name; float32 [batch, frames, bins, embeddingDim], each vector unit-norm. */
  output: string
  opset: number
}

/** Scores measured by the training evaluation (informational). */
export interface ModelScore {
  split: string
  mixtures: number
  sources: number
  /** The model's SI-SDR improvement with the app's soft masks (scores measured from 2026-12-02,
   * 0.2.0's included; hard masks before). */
  sisdriModel: number
  /** The same with hard masks (argmax), where measured. */
  sisdriModelHard?: number
  sisdriIbm: number
  sisdriIrm?: number
  sdriModel?: number
  sdriIbm?: number
}

/** Everything `models/<name>.json` holds. */
export interface ModelMetadata {
  /** Format of this file; bump on incompatible change. */
  formatVersion: 1
  name: string
  version: string
  /** Sample rate of the analysis signal the network was trained on, Hz. */
  sampleRate: number
  stft: ModelStft
  feature: ModelFeature
  embeddingDim: number
  /** nFft/2 + 1. */
  bins: number
  io: ModelIo
  /** Frames the model was trained on per chunk (for chunked inference). */
  trainedChunkFrames: number
  /** Bins more than this many dB below the maximum were weighted 0 in training. */
  silenceThresholdDb: number
  training?: { sources: string[]; steps: number; hours: number; notes?: string }
  scores?: ModelScore[]
  /**
   * The stereo cue's setting for this model (src/engine/stereo.ts), chosen on stereo validation
   * mixes: `weight` of the coordinate clip(ILD / ildRangeDb, -1, 1) appended to the embeddings of
   * a two-channel input when the user asks for the cue. Absent: the cue uses DEFAULT_STEREO_CUE.
   */
  stereoCue?: ModelStereoCue
  /**
   * The automatic source count's classifier for this model (src/engine/cluster/suggest.ts),
   * fitted on validation mixtures by `npm run fit-count`. Absent: the count is the number of
   * embedding directions above the Kaiser threshold.
   */
  sourceCount?: ModelSourceCount
}

/**
 * Multinomial logistic regression from the embedding spectrum to a source count. Features
 * ('spectrum-v1'): the eigenvalues l_1 >= ... >= l_D (sum 1) of the dB-weighted second-moment
 * matrix of up to `sampleSize` active bins' embeddings (the model's D coordinates, no stereo cue),
 * then log10(l_i + 1e-4); standardised by `mean` and `scale`. p(counts[c]) = softmax(weights[c] .
 * x + bias[c]).
 */
export interface ModelSourceCount {
  features: 'spectrum-v1'
  sampleSize: number
  /** The count each row of `weights` stands for, ascending. */
  counts: number[]
  mean: number[]
  scale: number[]
  /** [counts.length][2 * embeddingDim] */
  weights: number[][]
  bias: number[]
  /** What it was fitted on and how it did there (informational). */
  fitted?: { mixtures: number; on: string; crossValidatedAccuracy: number; l2: number }
}

/** See ModelMetadata.stereoCue. */
export interface ModelStereoCue {
  weight: number
  ildRangeDb: number
}

/** Names one field of ModelMetadata whose value is wrong, with expected and actual values. */
export class ModelContractError extends Error {
  constructor(
    readonly field: string,
    readonly expected: unknown,
    readonly actual: unknown,
  ) {
    super(
      `model metadata: ${field} expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
    )
    this.name = 'ModelContractError'
  }
}
