import type { PcmAudio, SourceMasks, StemSink, SynthesisOptions, SynthesisResult } from '../types'

/**
 * Applies model-grid masks to the full-rate STFT of every channel of `audio`, inverts, and streams
 * the stems to `sink` block by block. The stems sum to the input.
 */
export async function synthesizeStems(
  _audio: PcmAudio,
  _masks: SourceMasks,
  _sink: StemSink,
  _opts: SynthesisOptions = {},
): Promise<SynthesisResult> {
  throw new Error('synthesizeStems: not implemented')
}
