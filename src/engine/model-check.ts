import { ModelContractError, type ModelMetadata } from '../shared/model'
import { isPowerOfTwo } from './dsp/fft'
import type { Embedder } from './embedder'

/**
 * Checks what the engine relies on in a model's metadata (and the embedder's dimension);
 * throws ModelContractError naming the field, the expected and the actual value.
 */
export function checkModelForEngine(model: ModelMetadata, embedder?: Embedder): void {
  const need = (field: string, ok: boolean, expected: unknown, actual: unknown): void => {
    if (!ok) throw new ModelContractError(field, expected, actual)
  }
  need('formatVersion', model.formatVersion === 1, 1, model.formatVersion)
  need(
    'sampleRate',
    Number.isInteger(model.sampleRate) && model.sampleRate >= 1000,
    'an integer >= 1000 Hz',
    model.sampleRate,
  )
  const { nFft, hop } = model.stft ?? ({} as ModelMetadata['stft'])
  need('stft.nFft', isPowerOfTwo(nFft) && nFft >= 16, 'a power of two >= 16', nFft)
  need(
    'stft.hop',
    Number.isInteger(hop) && hop >= 1 && hop <= nFft / 2,
    `an integer in 1..${nFft / 2}`,
    hop,
  )
  need('stft.window', model.stft.window === 'hann', 'hann', model.stft.window)
  need('stft.framing', model.stft.framing === 'center', 'center', model.stft.framing)
  need('bins', model.bins === nFft / 2 + 1, nFft / 2 + 1, model.bins)
  need(
    'feature.type',
    model.feature?.type === 'log_magnitude',
    'log_magnitude',
    model.feature?.type,
  )
  need('feature.eps', model.feature.eps > 0, 'a positive number', model.feature.eps)
  need(
    'embeddingDim',
    Number.isInteger(model.embeddingDim) && model.embeddingDim >= 2,
    'an integer >= 2',
    model.embeddingDim,
  )
  if (embedder)
    need(
      'embeddingDim (embedder)',
      embedder.dim === model.embeddingDim,
      model.embeddingDim,
      embedder.dim,
    )
}
