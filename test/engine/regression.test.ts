// Engine regression test: a fixed 4-s violin/piano/cello mixture (held-out
// trio piece, FluidR3 bank, 16-bit sources in test/engine/fixtures/regression) separated by the shipped
// model, k = 3, hard masks. Its SI-SDR improvement is stored per model version with a tolerance, beside
// the oracle IBM (model grid) bound on the same mixture. Skipped until models/unweave-dc.json exists.
// After shipping a new model, record its value: UNWEAVE_RECORD_REGRESSION=1 npx vitest run test/engine/regression
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { siSdrImprovement } from '../../bench/metrics'
import {
  analyse,
  clusterSources,
  downmix,
  resample,
  sourceMasks,
  stftMagnitude,
  synthesizeStems,
} from '../../src/engine'
import type { SourceMasks, StemSink } from '../../src/engine'
import { ANALYSIS_RESAMPLE } from '../../src/engine/analyse'
import { createOnnxEmbedder } from '../../src/node/onnx-embedder'
import { decodeAudioFile } from '../../src/node/audio-decode'
import { loadModel } from '../../src/node/model-store'

const MODEL = resolve(process.env.UNWEAVE_REGRESSION_MODEL ?? 'models/unweave-dc.json')
const STORE = resolve('test/engine/fixtures/regression.json')
const TOLERANCE_DB = 0.5

interface Stored {
  sisdriModel: number
  sisdriIbm: number
}

function memorySink(k: number, n: number): StemSink & { stems: Float32Array[][] } {
  const stems = Array.from({ length: k }, () => [new Float32Array(n)])
  const pos = new Array<number>(k).fill(0)
  return {
    stems,
    write(s, block) {
      stems[s][0].set(block[0], pos[s])
      pos[s] += block[0].length
    },
  }
}

describe.skipIf(!existsSync(MODEL))('engine regression (shipped model, fixed trio mixture)', () => {
  it(`SI-SDR improvement within ${TOLERANCE_DB} dB of the value stored for this model`, async () => {
    const { metadata, onnxPath } = await loadModel(MODEL)
    const { embedder } = await createOnnxEmbedder(onnxPath, metadata, { device: 'cpu', threads: 1 })
    const sources = await Promise.all(
      [0, 1, 2].map((s) =>
        decodeAudioFile(resolve(`test/engine/fixtures/regression/trio-s${s}.wav`)),
      ),
    )
    const n = sources[0].channels[0].length
    const mix = {
      sampleRate: sources[0].sampleRate,
      channels: [
        new Float32Array(n).map((_, i) => sources.reduce((a, s) => a + s.channels[0][i], 0)),
      ],
    }
    const refs = sources.map((s) => s.channels)

    const analysis = await analyse(mix, metadata, embedder)
    const sink = memorySink(3, n)
    await synthesizeStems(mix, sourceMasks(analysis, clusterSources(analysis, 3), 'hard'), sink)
    const sisdriModel = siSdrImprovement(sink.stems, refs, mix.channels)

    // Oracle: ideal binary mask on the model's grid, through the same synthesis.
    const mags = sources.map((s) => {
      const x = resample(downmix(s.channels), s.sampleRate, metadata.sampleRate, ANALYSIS_RESAMPLE)
      return stftMagnitude(x, metadata.stft.nFft, metadata.stft.hop)
    })
    const { frames, bins } = mags[0]
    const masks: SourceMasks = {
      k: 3,
      sampleRate: metadata.sampleRate,
      nFft: metadata.stft.nFft,
      hop: metadata.stft.hop,
      frames,
      bins,
      masks: [0, 1, 2].map(() => new Float32Array(frames * bins)),
    }
    for (let i = 0; i < frames * bins; i++) {
      let b = 0
      for (let s = 1; s < 3; s++) if (mags[s].magnitude[i] > mags[b].magnitude[i]) b = s
      masks.masks[b][i] = 1
    }
    const ibmSink = memorySink(3, n)
    await synthesizeStems(mix, masks, ibmSink)
    const sisdriIbm = siSdrImprovement(ibmSink.stems, refs, mix.channels)
    await embedder.dispose?.()

    const key = `${metadata.name}@${metadata.version}#${metadata.training?.steps ?? 0}`
    const store: Record<string, Stored> = existsSync(STORE)
      ? JSON.parse(readFileSync(STORE, 'utf8'))
      : {}
    const measured = { sisdriModel: +sisdriModel.toFixed(2), sisdriIbm: +sisdriIbm.toFixed(2) }
    if (process.env.UNWEAVE_RECORD_REGRESSION === '1') {
      store[key] = measured
      writeFileSync(STORE, `${JSON.stringify(store, null, 2)}\n`)
    }
    const expected = store[key]
    if (!expected) {
      // A newly shipped model: nothing to compare with yet. Say so loudly, check only the bound.
      console.warn(
        `regression: no stored value for ${key}; measured ${JSON.stringify(measured)}. Record it with UNWEAVE_RECORD_REGRESSION=1 npx vitest run test/engine/regression`,
      )
    } else {
      expect(Math.abs(sisdriModel - expected.sisdriModel)).toBeLessThan(TOLERANCE_DB)
      expect(Math.abs(sisdriIbm - expected.sisdriIbm)).toBeLessThan(TOLERANCE_DB)
    }
    expect(sisdriModel).toBeLessThan(sisdriIbm + 1) // a binary mask cannot beat the IBM (up to grid effects)
  })
})
