import { describe, expect, it } from 'vitest'
import { fakeModel } from '../../test/engine/fakes'
import { ModelContractError, type ModelMetadata } from '../shared/model'
import { checkModelForEngine } from './model-check'

describe('checkModelForEngine', () => {
  it('accepts the contract', () => {
    expect(() =>
      checkModelForEngine(fakeModel(), { dim: 8, embed: async () => new Float32Array(0) }),
    ).not.toThrow()
  })
  const bad: [string, Partial<ModelMetadata>, RegExp][] = [
    [
      'window',
      { stft: { nFft: 512, hop: 128, window: 'hamming' as 'hann', framing: 'center' } },
      /stft\.window expected "hann", got "hamming"/,
    ],
    [
      'nFft',
      { stft: { nFft: 500, hop: 128, window: 'hann', framing: 'center' }, bins: 251 },
      /stft\.nFft/,
    ],
    ['hop', { stft: { nFft: 512, hop: 400, window: 'hann', framing: 'center' } }, /stft\.hop/],
    ['bins', { bins: 256 }, /bins expected 257, got 256/],
    [
      'feature',
      { feature: { type: 'mel' as 'log_magnitude', eps: 1e-8, normalization: 'in_graph' } },
      /feature\.type/,
    ],
    ['sampleRate', { sampleRate: 16000.5 }, /sampleRate/],
  ]
  for (const [name, over, msg] of bad) {
    it(`names the field, expected and actual value: ${name}`, () => {
      expect(() => checkModelForEngine(fakeModel(over))).toThrow(ModelContractError)
      expect(() => checkModelForEngine(fakeModel(over))).toThrow(msg)
    })
  }
  it("rejects an embedder whose dimension is not the model's", () => {
    expect(() =>
      checkModelForEngine(fakeModel(), { dim: 20, embed: async () => new Float32Array(0) }),
    ).toThrow(/embeddingDim \(embedder\) expected 8, got 20/)
  })
})
