/**
 * The separation engine's public surface. Pure TypeScript over typed arrays: no Electron,
 * no Node built-ins, so it runs in Node, a utility process, the CLI, tests and a Web Worker alike.
 */
export type * from './types'
export type { Embedder } from './embedder'
export {
  analyse,
  checkAudio,
  stereoCueWeight,
  ANALYSIS_RESAMPLE,
  DEFAULT_STEREO_CUE,
} from './analyse'
export { levelDifference, stereoLevelDifference, appendCue, DEFAULT_ILD_RANGE_DB } from './stereo'
export { checkModelForEngine } from './model-check'
export {
  countFeatures,
  countProbabilities,
  embeddingSpectrum,
  suggestSourceCount,
  type SuggestOptions,
} from './cluster/suggest'
export { clusterSources } from './cluster/cluster'
export { sourceMasks, maskRows, DEFAULT_BETA } from './masks/masks'
export {
  synthesizeStems,
  synthesizeFromRows,
  maskRowsOf,
  outputFftSize,
  type MaskRowSource,
} from './masks/synthesize'
export { separate, lazyMaskRows } from './separate'
export {
  magnitudeSpectrogram,
  magnitudeSpectrogramBytes,
  type ByteSpectrogram,
  type ByteSpectrogramOptions,
} from './spectrogram'
// DSP kernels, for callers that need them directly (display, tests, tools).
export { RealFft, ComplexFft } from './dsp/fft'
export { hannWindow } from './dsp/window'
export { stft, istft, stftMagnitude, stftFrameCount, type ComplexSpectrogram } from './dsp/stft'
export { Resampler, resample, type ResampleOptions } from './dsp/resample'
export { downmix } from './dsp/downmix'
// Hand edits of the masks, and the packed planes they are stored in.
export * from './edits/index'
export { floatMasks } from './util'
export { DEQ, mapPacked } from './edits/planes'
