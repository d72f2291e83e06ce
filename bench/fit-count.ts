/**
 * `npm run fit-count`: fits the automatic source count's classifier (ModelMetadata.sourceCount,
 * src/engine/cluster/suggest.ts) for a model on the validation mixtures, and prints its accuracy
 * per true count beside the Kaiser rule's: cross-validated on validation, and on the test splits
 * when --testsets is given (never used for fitting or choosing anything).
 *
 * Examples (all from --valsets, the training pipeline's validation splits, 16 kHz mono):
 *   every mixture (its true count, 2-4); one of its sources alone (count 1); and the sum of two
 *   mixtures of different splits whose counts add to 5 or 6 (superposed validation mixtures).
 * Features ('spectrum-v1'): the embedding spectrum of the model's D coordinates and its logarithm
 * (countFeatures). Classifier: multinomial logistic regression, classes weighted to equal total
 * weight (the target is accuracy per true count), L2 strength chosen by 5-fold cross-validation
 * (folds by mixture) on the balanced accuracy.
 *
 * Options: --model PATH (model JSON; default models/unweave-dc.json) --valsets DIR (default
 *          training/cache/valsets) --testsets DIR (optional report) --max-k 8 --write (store the
 *          classifier in the model JSON, atomically) --json OUT --features-out OUT (the examples'
 *          features, for study)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  analyse,
  countFeatures,
  countProbabilities,
  embeddingSpectrum,
  suggestSourceCount,
  type Analysis,
  type PcmAudio,
} from '../src/engine'
import { createOnnxEmbedder, decodeAudioFile, loadModel, writeFileAtomic } from '../src/node'
import type { ModelMetadata, ModelSourceCount } from '../src/shared/model'
import { listSplits, readManifest } from './testsets'
import { flag, opt } from './args'

const SAMPLE_SIZE = 5_000
const SEED = 2

interface Example {
  /** Fold group: the validation mixture it came from. */
  group: number
  k: number
  features: number[]
  /** The Kaiser rule's count (suggestSourceCount without a classifier). */
  kaiser: number
  origin: string
}

type Embedder = Awaited<ReturnType<typeof createOnnxEmbedder>>['embedder']

function sumMono(a: PcmAudio, b: PcmAudio): PcmAudio {
  const n = Math.min(a.channels[0].length, b.channels[0].length)
  const x = new Float32Array(n)
  for (let i = 0; i < n; i++) x[i] = a.channels[0][i] + b.channels[0][i]
  return { sampleRate: a.sampleRate, channels: [x] }
}

async function example(
  audio: PcmAudio,
  model: ModelMetadata,
  embedder: Embedder,
  maxK: number,
): Promise<{ features: number[]; kaiser: number; analysis: Analysis } | null> {
  const bare: ModelMetadata = { ...model }
  delete bare.sourceCount
  const analysis = await analyse(audio, bare, embedder, { stereoCue: false })
  const ev = embeddingSpectrum(analysis, model.embeddingDim, SAMPLE_SIZE, SEED)
  if (!ev) return null
  return {
    features: countFeatures(ev),
    kaiser: suggestSourceCount(analysis, maxK).count,
    analysis,
  }
}

/** Multinomial logistic regression by full-batch gradient descent with Adam steps. */
function fitLogistic(
  X: number[][],
  y: number[],
  sampleWeights: number[],
  classes: number,
  l2: number,
  iterations = 3000,
): { weights: number[][]; bias: number[] } {
  const F = X[0].length
  const W = Array.from({ length: classes }, () => new Float64Array(F))
  const b = new Float64Array(classes)
  const mW = Array.from({ length: classes }, () => new Float64Array(F))
  const vW = Array.from({ length: classes }, () => new Float64Array(F))
  const mb = new Float64Array(classes)
  const vb = new Float64Array(classes)
  const totalW = sampleWeights.reduce((a, c) => a + c, 0)
  const lr = 0.05
  for (let it = 1; it <= iterations; it++) {
    const gW = Array.from({ length: classes }, () => new Float64Array(F))
    const gb = new Float64Array(classes)
    for (let i = 0; i < X.length; i++) {
      const z = W.map((w, c) => w.reduce((acc, wi, f) => acc + wi * X[i][f], b[c]))
      const top = Math.max(...z)
      const e = z.map((v) => Math.exp(v - top))
      const s = e.reduce((a, c) => a + c, 0)
      for (let c = 0; c < classes; c++) {
        const g = (sampleWeights[i] / totalW) * (e[c] / s - (y[i] === c ? 1 : 0))
        gb[c] += g
        for (let f = 0; f < F; f++) gW[c][f] += g * X[i][f]
      }
    }
    for (let c = 0; c < classes; c++) {
      for (let f = 0; f < F; f++) {
        const g = gW[c][f] + l2 * W[c][f]
        mW[c][f] = 0.9 * mW[c][f] + 0.1 * g
        vW[c][f] = 0.999 * vW[c][f] + 0.001 * g * g
        W[c][f] -=
          (lr * mW[c][f]) / (1 - 0.9 ** it) / (Math.sqrt(vW[c][f] / (1 - 0.999 ** it)) + 1e-8)
      }
      mb[c] = 0.9 * mb[c] + 0.1 * gb[c]
      vb[c] = 0.999 * vb[c] + 0.001 * gb[c] * gb[c]
      b[c] -= (lr * mb[c]) / (1 - 0.9 ** it) / (Math.sqrt(vb[c] / (1 - 0.999 ** it)) + 1e-8)
    }
  }
  return { weights: W.map((w) => [...w]), bias: [...b] }
}

const round = (v: number): number => Number(v.toPrecision(6))

/** Fits the classifier (standardisation included) on the examples. */
function fitCountModel(train: Example[], counts: number[], l2: number): ModelSourceCount {
  const F = train[0].features.length
  const mean = new Array<number>(F).fill(0)
  const scale = new Array<number>(F).fill(0)
  for (const e of train) e.features.forEach((v, f) => (mean[f] += v / train.length))
  for (const e of train)
    e.features.forEach((v, f) => (scale[f] += (v - mean[f]) ** 2 / train.length))
  for (let f = 0; f < F; f++) scale[f] = Math.sqrt(scale[f]) || 1
  const X = train.map((e) => e.features.map((v, f) => (v - mean[f]) / scale[f]))
  const y = train.map((e) => counts.indexOf(e.k))
  const perClass = counts.map((_, c) => y.filter((v) => v === c).length)
  const sw = y.map((c) => 1 / perClass[c])
  const { weights, bias } = fitLogistic(X, y, sw, counts.length, l2)
  return {
    features: 'spectrum-v1',
    sampleSize: SAMPLE_SIZE,
    counts,
    mean: mean.map(round),
    scale: scale.map(round),
    weights: weights.map((w) => w.map(round)),
    bias: bias.map(round),
  }
}

function predict(model: ModelSourceCount, features: number[], maxK: number): number {
  const p = countProbabilities(model, features)
  let best = -1
  for (let c = 0; c < model.counts.length; c++)
    if (model.counts[c] <= maxK && (best < 0 || p[c] > p[best])) best = c
  return model.counts[best]
}

/** Right / total per true count, and the balanced accuracy (mean over counts). */
function accuracy(
  truth: number[],
  found: number[],
): { byK: Map<number, { right: number; total: number }>; balanced: number } {
  const byK = new Map<number, { right: number; total: number }>()
  truth.forEach((k, i) => {
    const a = byK.get(k) ?? { right: 0, total: 0 }
    a.total++
    if (found[i] === k) a.right++
    byK.set(k, a)
  })
  const rates = [...byK.values()].map((a) => a.right / a.total)
  return { byK, balanced: rates.reduce((a, c) => a + c, 0) / Math.max(1, rates.length) }
}

function table(
  title: string,
  truth: number[],
  columns: { name: string; found: number[] }[],
): Record<string, unknown> {
  console.log(`\n${title}\n`)
  console.log(`| true count | n | ${columns.map((c) => c.name).join(' | ')} |`)
  console.log(`|---|---|${columns.map(() => '---|').join('')}`)
  const accs = columns.map((c) => accuracy(truth, c.found))
  const ks = [...accs[0].byK.keys()].sort((a, b) => a - b)
  for (const k of ks) {
    const cells = accs.map((a) => {
      const r = a.byK.get(k) ?? { right: 0, total: 0 }
      return `${r.right}/${r.total} (${((100 * r.right) / Math.max(1, r.total)).toFixed(0)}%)`
    })
    console.log(`| ${k} | ${accs[0].byK.get(k)?.total ?? 0} | ${cells.join(' | ')} |`)
  }
  console.log(
    `| balanced | ${truth.length} | ${accs.map((a) => `${(100 * a.balanced).toFixed(0)}%`).join(' | ')} |`,
  )
  return Object.fromEntries(
    columns.map((c, i) => [
      c.name,
      { balanced: accs[i].balanced, byK: Object.fromEntries(accs[i].byK) },
    ]),
  )
}

async function main(): Promise<void> {
  const valRoot = resolve(opt('valsets') ?? 'training/cache/valsets')
  if (!existsSync(valRoot)) {
    console.error(
      `no validation splits at ${valRoot}: generate them with\n  /usr/bin/python3 -m unweave_train.data.testsets --val\n(run from training/)`,
    )
    process.exit(2)
  }
  const maxK = Number(opt('max-k') ?? 8)
  const modelJson = opt('model') ?? 'models/unweave-dc.json'
  const { metadata, onnxPath } = await loadModel(modelJson)
  const { embedder } = await createOnnxEmbedder(onnxPath, metadata, { device: 'cpu' })
  console.log(`# Unweave fit-count — ${new Date().toISOString()}`)
  console.log(`model: ${metadata.name} ${metadata.version} (${onnxPath}); validation: ${valRoot}`)

  // Validation examples: mixtures, single sources, superposed pairs.
  const examples: Example[] = []
  const mixes: { audio: PcmAudio; k: number; split: string; group: number }[] = []
  let group = 0
  for (const split of listSplits(valRoot)) {
    const man = readManifest(valRoot, split)
    for (const m of man.mixtures) {
      const audio = await decodeAudioFile(join(valRoot, split, m.mix))
      const k = m.sources.length
      const ex = await example(audio, metadata, embedder, maxK)
      if (ex) examples.push({ group, k, features: ex.features, kaiser: ex.kaiser, origin: m.id })
      const one = await decodeAudioFile(join(valRoot, split, m.sources[group % k]))
      const single = await example(one, metadata, embedder, maxK)
      if (single)
        examples.push({
          group,
          k: 1,
          features: single.features,
          kaiser: single.kaiser,
          origin: `${m.id}:s${group % k}`,
        })
      mixes.push({ audio, k, split, group })
      group++
    }
  }
  // Superposed pairs: mixture i with the next mixture of another split whose count adds to 5 or 6.
  for (let i = 0; i < mixes.length; i++) {
    const a = mixes[i]
    for (let step = 1; step < mixes.length; step++) {
      const b = mixes[(i + step * 7) % mixes.length]
      const k = a.k + b.k
      if (b.split === a.split || (k !== 5 && k !== 6)) continue
      const ex = await example(sumMono(a.audio, b.audio), metadata, embedder, maxK)
      if (ex)
        examples.push({
          group: a.group,
          k,
          features: ex.features,
          kaiser: ex.kaiser,
          origin: `pair ${i}`,
        })
      break
    }
  }
  const featuresOut = opt('features-out')
  if (featuresOut) writeFileSync(featuresOut, JSON.stringify(examples))
  const counts = [...new Set(examples.map((e) => e.k))].sort((a, b) => a - b)
  console.log(
    `${examples.length} validation examples: ${counts
      .map((k) => `${k}: ${examples.filter((e) => e.k === k).length}`)
      .join(', ')}`,
  )

  // L2 strength by 5-fold cross-validation (folds by validation mixture).
  const folds = 5
  let bestL2 = 0
  let bestBalanced = -1
  let bestFound: number[] = []
  for (const l2 of [1e-4, 1e-3, 1e-2, 1e-1]) {
    const found = new Array<number>(examples.length).fill(0)
    for (let f = 0; f < folds; f++) {
      const train = examples.filter((e) => e.group % folds !== f)
      const model = fitCountModel(train, counts, l2)
      examples.forEach((e, i) => {
        if (e.group % folds === f) found[i] = predict(model, e.features, maxK)
      })
    }
    const { balanced } = accuracy(
      examples.map((e) => e.k),
      found,
    )
    console.log(`l2 ${l2}: cross-validated balanced accuracy ${(100 * balanced).toFixed(1)}%`)
    if (balanced > bestBalanced) {
      bestBalanced = balanced
      bestL2 = l2
      bestFound = found
    }
  }
  const report: Record<string, unknown> = {
    model: `${metadata.name} ${metadata.version}`,
    l2: bestL2,
  }
  report.validation = table(
    `Validation (5-fold cross-validated, l2 ${bestL2}), suggestion right by true count`,
    examples.map((e) => e.k),
    [
      { name: 'Kaiser rule', found: examples.map((e) => e.kaiser) },
      { name: 'classifier', found: bestFound },
    ],
  )
  const fitted = fitCountModel(examples, counts, bestL2)
  fitted.fitted = {
    mixtures: examples.length,
    on: 'validation splits (training/cache/valsets): mixtures, single sources, superposed pairs',
    crossValidatedAccuracy: round(bestBalanced),
    l2: bestL2,
  }

  const testRoot = opt('testsets')
  if (testRoot) {
    const truth: number[] = []
    const kaiser: number[] = []
    const classified: number[] = []
    for (const split of listSplits(resolve(testRoot))) {
      const man = readManifest(resolve(testRoot), split)
      for (const m of man.mixtures) {
        const audio = await decodeAudioFile(join(resolve(testRoot), split, m.mix))
        const ex = await example(audio, metadata, embedder, maxK)
        if (!ex) continue
        truth.push(m.sources.length)
        kaiser.push(ex.kaiser)
        classified.push(suggestSourceCount({ ...ex.analysis, sourceCount: fitted }, maxK).count)
      }
    }
    report.test = table(
      `Test splits (${resolve(testRoot)}), suggestion right by true count`,
      truth,
      [
        { name: 'Kaiser rule', found: kaiser },
        { name: 'classifier', found: classified },
      ],
    )
  }
  await embedder.dispose?.()

  if (flag('write')) {
    const path = resolve(modelJson)
    const meta = JSON.parse(readFileSync(path, 'utf8')) as ModelMetadata
    meta.sourceCount = fitted
    await writeFileAtomic(path, JSON.stringify(meta, null, 2) + '\n')
    console.log(`\nwrote sourceCount into ${path}`)
  }
  const json = opt('json')
  if (json) writeFileSync(json, JSON.stringify({ ...report, sourceCount: fitted }, null, 2))
}

await main()
