import type { ModelMetadata } from '../shared/model'
import type { Embedder } from './embedder'
import type { AnalyseOptions, Analysis, PcmAudio } from './types'

/** downmix -> resample to the model rate -> STFT -> features -> chunked embed -> int8 embeddings. */
export async function analyse(
  _audio: PcmAudio,
  _model: ModelMetadata,
  _embedder: Embedder,
  _opts: AnalyseOptions = {},
): Promise<Analysis> {
  throw new Error('analyse: not implemented')
}
