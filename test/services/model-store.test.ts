/** Model store: the fixture loads; every broken field is named with expected and actual values. */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  defaultModelPath,
  loadModel,
  packageRoot,
  validateModelMetadata,
} from '../../src/node/model-store'
import { ModelError } from '../../src/shared/errors'
import { makeTempDir } from '../helpers/audio-fixtures'

/** Metadata as parsed JSON, for mutating in tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>

const FIXTURE = resolve(__dirname, '../fixtures/tiny-random.json')
const fixture = (): Record<string, unknown> =>
  JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>
const tmp = makeTempDir('unweave-model-')
afterAll(() => tmp.cleanup())

/** Writes `json` as <name>.json with the fixture's .onnx beside it; returns the json path. */
function modelAt(name: string, json: unknown): string {
  const p = join(tmp.dir, `${name}.json`)
  writeFileSync(p, typeof json === 'string' ? json : JSON.stringify(json))
  copyFileSync(FIXTURE.replace(/\.json$/, '.onnx'), join(tmp.dir, `${name}.onnx`))
  return p
}

async function modelError(path?: string): Promise<ModelError> {
  const e = await loadModel(path).then(
    () => undefined,
    (x: unknown) => x,
  )
  expect(e).toBeInstanceOf(ModelError)
  expect((e as ModelError).exitCode).toBe(4)
  return e as ModelError
}

describe('loadModel', () => {
  it('loads the tiny-random fixture by its .json or its .onnx', async () => {
    const m = await loadModel(FIXTURE)
    expect(m.metadata.bins).toBe(257)
    expect(m.onnxPath).toBe(FIXTURE.replace(/\.json$/, '.onnx'))
    const m2 = await loadModel(FIXTURE.replace(/\.json$/, '.onnx'))
    expect(m2.jsonPath).toBe(FIXTURE)
  })

  it('the default model is models/unweave-dc.json in the package root, wherever the cwd is', () => {
    const root = packageRoot()
    expect(root).toBe(resolve(__dirname, '../..'))
    const saved = process.env.UNWEAVE_MODEL
    delete process.env.UNWEAVE_MODEL
    const cwd = process.cwd()
    try {
      process.chdir(tmp.dir)
      expect(defaultModelPath()).toBe(join(root!, 'models', 'unweave-dc.json'))
    } finally {
      process.chdir(cwd)
      if (saved !== undefined) process.env.UNWEAVE_MODEL = saved
    }
  })

  it('missing model, invalid JSON and a missing .onnx say what to do', async () => {
    expect((await modelError(join(tmp.dir, 'nope.json'))).message).toMatch(
      /no model metadata at .*nope\.json.*--model/,
    )
    expect((await modelError(modelAt('broken', '{"formatVersion": 1,'))).message).toMatch(
      /not valid JSON/,
    )
    const lonely = join(tmp.dir, 'lonely.json')
    writeFileSync(lonely, JSON.stringify(fixture()))
    expect((await modelError(lonely)).message).toMatch(/model graph .*lonely\.onnx is missing/)
  })

  const broken: [string, (m: Loose) => void, RegExp][] = [
    ['formatVersion', (m) => (m.formatVersion = 2), /formatVersion expected 1, got 2/],
    [
      'sampleRate',
      (m) => (m.sampleRate = 'fast'),
      /sampleRate expected an integer in 8000\.\.192000 \(Hz\), got "fast"/,
    ],
    [
      'stft.nFft',
      (m) => (m.stft.nFft = 500),
      /stft\.nFft expected a power of two in 16\.\.65536, got 500/,
    ],
    ['stft.hop', (m) => (m.stft.hop = 1024), /stft\.hop expected an integer in 1\.\.512, got 1024/],
    [
      'stft.window',
      (m) => (m.stft.window = 'hamming'),
      /stft\.window expected "hann", got "hamming"/,
    ],
    [
      'feature.type',
      (m) => (m.feature.type = 'mel'),
      /feature\.type expected "log_magnitude", got "mel"/,
    ],
    [
      'feature.normalization',
      (m) => delete m.feature.normalization,
      /feature\.normalization expected "in_graph", got nothing \(missing\)/,
    ],
    ['bins', (m) => (m.bins = 256), /bins expected 257 \(stft\.nFft\/2 \+ 1\), got 256/],
    [
      'embeddingDim',
      (m) => (m.embeddingDim = 0),
      /embeddingDim expected an integer in 1\.\.4096, got 0/,
    ],
    [
      'io.input',
      (m) => delete m.io.input,
      /io\.input expected the name of the graph input .*, got nothing/,
    ],
    [
      'trainedChunkFrames',
      (m) => (m.trainedChunkFrames = -3),
      /trainedChunkFrames expected a positive integer, got -3/,
    ],
    [
      'silenceThresholdDb',
      (m) => (m.silenceThresholdDb = null),
      /silenceThresholdDb expected .*, got null/,
    ],
    [
      'scores',
      (m) => (m.scores = [{ split: 'x', mixtures: 1, sources: 2, sisdriModel: 'hi' }]),
      /scores\[0\]\.sisdriModel expected a number \(dB\), got "hi"; scores\[0\]\.sisdriIbm expected/,
    ],
    [
      'stereoCue',
      (m) => (m.stereoCue = { weight: -1, ildRangeDb: 0 }),
      /stereoCue\.weight expected a number in 0\.\.100, got -1; stereoCue\.ildRangeDb expected a number of dB in \(0, 120\], got 0/,
    ],
    [
      'sourceCount',
      (m) =>
        (m.sourceCount = {
          features: 'spectrum-v1',
          sampleSize: 5000,
          counts: [1, 3, 2],
          mean: new Array(2 * m.embeddingDim).fill(0),
          scale: [1],
          weights: [[0], [0], [0]],
          bias: [0, 0, NaN],
        }),
      /sourceCount\.counts expected ascending integers in 1\.\.16 \(at least two\), got \[1,3,2\]; sourceCount\.scale expected \d+ numbers, got \[1\]; sourceCount\.bias expected a number per count, got \[0,0,null\]; sourceCount\.weights expected/,
    ],
  ]
  for (const [field, mutate, re] of broken) {
    it(`names ${field} with expected and actual values`, async () => {
      const m = fixture() as Loose
      mutate(m)
      const e = await modelError(modelAt(`bad-${field}`, m))
      expect(e.message).toMatch(re)
      expect(e.message).toMatch(/does not match the model contract/)
    })
  }

  it('reports every problem at once', () => {
    const m = fixture() as Loose
    m.stft.window = 'hamming'
    m.embeddingDim = 'twenty'
    expect(validateModelMetadata(m)).toHaveLength(2)
    expect(validateModelMetadata(fixture())).toEqual([])
    expect(validateModelMetadata([1, 2])[0]).toMatch(/JSON object/)
  })
})
