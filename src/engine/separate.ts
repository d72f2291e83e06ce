import type { ModelMetadata } from '../shared/model'
import type { Embedder } from './embedder'
import type { PcmAudio, RunOptions, SeparationResult, SeparationSettings, StemSink } from './types'

/** The whole pipeline: analyse -> (suggest) -> cluster -> masks -> synthesize into `sink`. */
export async function separate(
  _audio: PcmAudio,
  _model: ModelMetadata,
  _embedder: Embedder,
  _settings: SeparationSettings,
  _sink: StemSink,
  _opts: RunOptions = {},
): Promise<SeparationResult> {
  throw new Error('separate: not implemented')
}
