/**
 * The onnxruntime-node Embedder on the tiny-random fixture (random weights: plumbing only, no
 * quality assertions): shapes, unit norm, batching, devices, and metadata mismatches.
 */
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createOnnxEmbedder,
  listDevices,
  type OnnxEmbedderHandle,
} from '../../src/node/onnx-embedder'
import { loadModel, type LoadedModel } from '../../src/node/model-store'
import { ModelError } from '../../src/shared/errors'

const FIXTURE = resolve(__dirname, '../fixtures/tiny-random.json')
let model: LoadedModel
let cpu: OnnxEmbedderHandle

beforeAll(async () => {
  model = await loadModel(FIXTURE)
  cpu = await createOnnxEmbedder(model.onnxPath, model.metadata, { device: 'cpu' })
})
afterAll(async () => {
  await cpu?.embedder.dispose?.()
})

function features(batch: number, frames: number, bins: number, seed = 1): Float32Array {
  let s = seed
  return new Float32Array(batch * frames * bins).map(() => {
    s = (s * 1664525 + 1013904223) >>> 0
    return (s / 2 ** 32) * 8 - 12 // log-magnitudes of quiet to moderate bins
  })
}

describe('createOnnxEmbedder', () => {
  it('cpu: [batch, frames, bins] -> unit-norm [batch, frames, bins, dim]', async () => {
    expect(cpu.provider).toBe('cpu')
    const { bins, embeddingDim: dim } = model.metadata
    const out = await cpu.embedder.embed(features(3, 50, bins), 3, 50, bins)
    expect(cpu.embedder.dim).toBe(dim)
    expect(out.length).toBe(3 * 50 * bins * dim)
    for (let v = 0; v < out.length / dim; v += 97) {
      let s = 0
      for (let d = 0; d < dim; d++) s += out[v * dim + d] ** 2
      expect(Math.sqrt(s)).toBeCloseTo(1, 3)
    }
  })

  it('a batch gives the same embeddings as its chunks one by one', async () => {
    const { bins, embeddingDim: dim } = model.metadata
    const frames = 40
    const f = features(4, frames, bins, 7)
    const batched = await cpu.embedder.embed(f, 4, frames, bins)
    for (let b = 0; b < 4; b++) {
      const one = await cpu.embedder.embed(
        f.slice(b * frames * bins, (b + 1) * frames * bins),
        1,
        frames,
        bins,
      )
      const part = batched.subarray(b * frames * bins * dim, (b + 1) * frames * bins * dim)
      let worst = 0
      for (let i = 0; i < one.length; i++) worst = Math.max(worst, Math.abs(one[i] - part[i]))
      expect(worst).toBeLessThan(1e-4)
    }
  })

  it('concurrent calls are serialised and all answered', async () => {
    const { bins } = model.metadata
    const outs = await Promise.all(
      [1, 2, 3].map((s) => cpu.embedder.embed(features(1, 10, bins, s), 1, 10, bins)),
    )
    expect(outs.map((o) => o.length)).toEqual(
      [1, 2, 3].map(() => 10 * bins * model.metadata.embeddingDim),
    )
  })

  it("auto reports the provider it used and why the platform's accelerator was not", async () => {
    const h = await createOnnxEmbedder(model.onnxPath, model.metadata, { device: 'auto' })
    try {
      expect(['cpu', 'cuda', 'directml', 'coreml']).toContain(h.provider)
      if (h.provider === 'cpu' && process.platform === 'linux')
        expect(h.notes.join('\n')).toMatch(/^cuda: not used: /m)
    } finally {
      await h.embedder.dispose?.()
    }
  })

  it('an explicit device that cannot load is a ModelError with the reason', async () => {
    const other = process.platform === 'darwin' ? 'directml' : 'coreml'
    const e = await createOnnxEmbedder(model.onnxPath, model.metadata, { device: other }).catch(
      (x: unknown) => x,
    )
    expect(e).toBeInstanceOf(ModelError)
    expect((e as Error).message).toMatch(new RegExp(`device ${other} is not available: .*only on`))
  })

  it('metadata that does not match the graph names expected and actual', async () => {
    const md = {
      ...model.metadata,
      embeddingDim: 16,
      bins: 129,
      io: { ...model.metadata.io, output: 'emb' },
    }
    const e = await createOnnxEmbedder(model.onnxPath, md, { device: 'cpu' }).catch(
      (x: unknown) => x,
    )
    expect(e).toBeInstanceOf(ModelError)
    const msg = (e as Error).message
    expect(msg).toMatch(/output name expected "emb" \(io\.output\), the graph has \["embeddings"\]/)
    expect(msg).toMatch(/input bins expected 129 \(bins\), got 257/)
  })

  it('an unreadable graph is a ModelError', async () => {
    const e = await createOnnxEmbedder(FIXTURE, model.metadata, { device: 'cpu' }).catch(
      (x: unknown) => x,
    )
    expect(e).toBeInstanceOf(ModelError)
    expect((e as Error).message).toMatch(/could not be loaded/)
  })
})

describe('listDevices', () => {
  it('cpu is available; every unavailable device says why', async () => {
    const devices = await listDevices()
    expect(devices.map((d) => d.device)).toEqual(['cpu', 'cuda', 'directml', 'coreml'])
    expect(devices[0]).toMatchObject({ device: 'cpu', available: true })
    for (const d of devices) if (!d.available) expect(d.reason, d.device).toMatch(/\w{5,}/)
  })
})
