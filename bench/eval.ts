/**
 * `npm run eval`: separates the training pipeline's test splits through this engine with the real
 * model and prints, per split, the SI-SDR improvement (dB, best permutation, mean over sources and
 * mixtures) beside two oracles on the same mixtures, and the accuracy of the automatic source count.
 *
 * Oracles: "IBM model grid" = the ideal binary mask on the model's own STFT grid (16 kHz analysis),
 * run through the same engine synthesis (what a perfect network could reach here); "IBM full rate"
 * = the classic ideal binary mask on the output STFT of the input file.
 *
 * Reads <testsets>/<split>/manifest.json ({ mixtures: [{ id, mix, sources: [...] }] }, paths relative).
 * Options: --testsets DIR (default training/cache/testsets) --model PATH --splits a,b --max N
 *          --mask hard|soft (default soft, as the CLI) --max-k 6 --weighting magnitude|sqrt|db|uniform --beta 5 --json OUT
 *          --stereo-cue on|off|W (default off, as the CLI; applies to stereo mixtures only)
 *          --write-scores: put the results into the model's own metadata (its `scores`, which the
 *          app's "What the model can do" reads), replacing what it held; atomically, the rest of
 *          the file kept. Only with the default soft masks and no --max (the numbers the card quotes).
 * The stereo validation splits: --testsets training/cache/valsets-stereo (data.testsets --stereo-val).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  analyse,
  clusterSources,
  downmix,
  istft,
  outputFftSize,
  resample,
  sourceMasks,
  stft,
  stftMagnitude,
  suggestSourceCount,
  synthesizeStems,
  type MaskMode,
  type PcmAudio,
  type SourceMasks,
  type StemSink,
} from '../src/engine'
import { ANALYSIS_RESAMPLE } from '../src/engine/analyse'
import { createOnnxEmbedder } from '../src/node/onnx-embedder'
import { decodeAudioFile } from '../src/node/audio-decode'
import { loadModel } from '../src/node/model-store'
import type { ModelMetadata, ModelScore } from '../src/shared/model'
import { writeFileAtomic } from '../src/node/atomic-file'
import { parseStereoCue } from '../src/cli/args'
import { siSdrImprovement } from './metrics'
import { listSplits, readManifest } from './testsets'
import { flag, opt } from './args'

/** Collects stems in memory: [k][channels][n]. */
function memorySink(
  k: number,
  channels: number,
  n: number,
): StemSink & { stems: Float32Array[][] } {
  const stems = Array.from({ length: k }, () =>
    Array.from({ length: channels }, () => new Float32Array(n)),
  )
  const pos = new Array<number>(k).fill(0)
  return {
    stems,
    write(s, block) {
      block.forEach((b, c) => stems[s][c].set(b, pos[s]))
      pos[s] += block[0].length
    },
  }
}

/** IBM on the model grid (the analysis signal of each source), as engine masks. */
function modelGridIbm(sources: PcmAudio[], model: ModelMetadata): SourceMasks {
  const mags = sources.map((s) => {
    const mono = downmix(s.channels)
    const x =
      s.sampleRate === model.sampleRate
        ? mono
        : resample(mono, s.sampleRate, model.sampleRate, ANALYSIS_RESAMPLE)
    return stftMagnitude(x, model.stft.nFft, model.stft.hop)
  })
  const { frames, bins } = mags[0]
  const k = sources.length
  const masks = Array.from({ length: k }, () => new Float32Array(frames * bins))
  for (let i = 0; i < frames * bins; i++) {
    let b = 0
    for (let s = 1; s < k; s++) if (mags[s].magnitude[i] > mags[b].magnitude[i]) b = s
    masks[b][i] = 1
  }
  return {
    k,
    sampleRate: model.sampleRate,
    nFft: model.stft.nFft,
    hop: model.stft.hop,
    frames,
    bins,
    masks,
  }
}

/** Classic IBM on the output STFT of each channel. */
function fullRateIbm(mix: PcmAudio, sources: PcmAudio[]): Float32Array[][] {
  const N = outputFftSize(mix.sampleRate)
  const H = N / 4
  const n = mix.channels[0].length
  return sources.map((_, si) =>
    mix.channels.map((mc, c) => {
      const X = stft(mc, N, H)
      const S = sources.map((s) => stft(s.channels[c], N, H).data)
      const data = X.data
      for (let i = 0; i < X.frames * X.bins; i++) {
        let b = 0
        let bm = -1
        for (let s = 0; s < S.length; s++) {
          const m = S[s][2 * i] ** 2 + S[s][2 * i + 1] ** 2
          if (m > bm) {
            bm = m
            b = s
          }
        }
        if (b !== si) {
          data[2 * i] = 0
          data[2 * i + 1] = 0
        }
      }
      return istft(X, n)
    }),
  )
}

const round2 = (x: number): number => Math.round(x * 100) / 100
const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / Math.max(1, a.length)
const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y)
  return s.length
    ? s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
    : NaN
}

async function main(): Promise<void> {
  const root = resolve(opt('testsets') ?? 'training/cache/testsets')
  if (!existsSync(root)) {
    console.error(
      `no test splits at ${root}: generate them with\n  /usr/bin/python3 -m unweave_train.data.testsets --out training/cache/testsets\n(run from training/)`,
    )
    process.exit(2)
  }
  const wanted = opt('splits')?.split(',')
  const splits = listSplits(root, wanted)
  const modelPath =
    opt('model') ?? (existsSync('models/unweave-dc.json') ? 'models/unweave-dc.json' : undefined)
  const mode = (opt('mask') ?? 'soft') as MaskMode
  const writeScores = flag('write-scores')
  if (writeScores && mode !== 'soft') {
    console.error('--write-scores: only with soft masks (what the app uses)')
    process.exit(2)
  }
  if (writeScores && opt('max') !== undefined) {
    console.error('--write-scores: only on whole splits (no --max)')
    process.exit(2)
  }
  const { metadata, onnxPath, jsonPath } = await loadModel(modelPath)
  const { embedder, provider } = await createOnnxEmbedder(onnxPath, metadata, { device: 'cpu' })
  const maxK = Number(opt('max-k') ?? 6)
  const beta = Number(opt('beta') ?? 5)
  const weighting = (opt('weighting') ?? 'magnitude') as 'magnitude' | 'sqrt' | 'db' | 'uniform'
  const limit = Number(opt('max') ?? Infinity)
  const cueText = opt('stereo-cue') ?? 'off'
  const stereoCue = parseStereoCue(cueText)
  console.log(`# Unweave eval — ${new Date().toISOString()}`)
  console.log(
    `model: ${metadata.name} ${metadata.version} (${onnxPath}), provider ${provider}, masks ${mode}, stereo cue ${cueText}; k = the split's true source count`,
  )
  console.log(
    `auto count: ${metadata.sourceCount ? `the model's fitted classifier (counts ${metadata.sourceCount.counts.join(', ')}; npm run fit-count)` : 'the Kaiser rule (the model has no fitted classifier)'}`,
  )
  console.log('\nSI-SDR improvement, dB (mean over mixtures; median in brackets)\n')
  console.log(
    '| split | mixtures | k | model | IBM model grid | IBM full rate | model / IBM model grid | auto k correct | auto k found (counts) |',
  )
  console.log('|---|---|---|---|---|---|---|---|---|')
  const results: Record<string, unknown>[] = []
  const scores: ModelScore[] = []
  const autoByK = new Map<number, { right: number; total: number }>()
  for (const split of splits) {
    const man = readManifest(root, split)
    const rows = {
      model: [] as number[],
      ibmModel: [] as number[],
      ibmFull: [] as number[],
      auto: [] as number[],
      right: 0,
      ks: new Set<number>(),
      seconds: 0,
    }
    for (const m of man.mixtures.slice(0, limit)) {
      const mix = await decodeAudioFile(join(root, split, m.mix))
      const sources = await Promise.all(m.sources.map((s) => decodeAudioFile(join(root, split, s))))
      const k = sources.length
      rows.ks.add(k)
      const n = mix.channels[0].length
      const t0 = performance.now()
      const analysis = await analyse(mix, metadata, embedder, { stereoCue })
      const clustering = clusterSources(analysis, k, { assign: mode === 'hard', weighting })
      const sink = memorySink(k, mix.channels.length, n)
      await synthesizeStems(mix, sourceMasks(analysis, clustering, mode, { beta }), sink)
      rows.seconds += (performance.now() - t0) / 1000
      const refs = sources.map((s) => s.channels)
      rows.model.push(siSdrImprovement(sink.stems, refs, mix.channels))
      const ibmSink = memorySink(k, mix.channels.length, n)
      await synthesizeStems(mix, modelGridIbm(sources, metadata), ibmSink)
      rows.ibmModel.push(siSdrImprovement(ibmSink.stems, refs, mix.channels))
      rows.ibmFull.push(siSdrImprovement(fullRateIbm(mix, sources), refs, mix.channels))
      const found = suggestSourceCount(analysis, maxK).count
      rows.auto.push(found)
      if (found === k) rows.right++
      const a = autoByK.get(k) ?? { right: 0, total: 0 }
      a.total++
      if (found === k) a.right++
      autoByK.set(k, a)
    }
    const ks = [...rows.ks].join('/')
    const right = rows.right
    const counts = new Map<number, number>()
    for (const f of rows.auto) counts.set(f, (counts.get(f) ?? 0) + 1)
    const fm = (a: number[]): string => `${mean(a).toFixed(2)} (${median(a).toFixed(2)})`
    console.log(
      `| ${split} | ${rows.model.length} | ${ks} | ${fm(rows.model)} | ${fm(rows.ibmModel)} | ${fm(rows.ibmFull)} | ${(mean(rows.model) / mean(rows.ibmModel)).toFixed(2)} | ${right}/${rows.auto.length} | ${[
        ...counts,
      ]
        .sort((a, b) => a[0] - b[0])
        .map(([c, v]) => `${c}:${v}`)
        .join(' ')} |`,
    )
    if (rows.ks.size === 1 && rows.model.length > 0)
      scores.push({
        split,
        mixtures: rows.model.length,
        sources: [...rows.ks][0],
        sisdriModel: round2(mean(rows.model)),
        sisdriIbm: round2(mean(rows.ibmModel)),
      })
    results.push({
      split,
      category: man.category,
      mixtures: rows.model.length,
      k: ks,
      sisdriModel: mean(rows.model),
      sisdriIbmModelGrid: mean(rows.ibmModel),
      sisdriIbmFullRate: mean(rows.ibmFull),
      medianModel: median(rows.model),
      autoCorrect: right,
      autoCounts: Object.fromEntries(counts),
      secondsPerMixture: rows.seconds / Math.max(1, rows.model.length),
    })
  }
  console.log(
    '\nAutomatic source count (suggestSourceCount, maxK = ' + maxK + '), accuracy by true count:\n',
  )
  for (const [k, a] of [...autoByK].sort((x, y) => x[0] - y[0]))
    console.log(
      `- ${k} sources: ${a.right}/${a.total} (${((100 * a.right) / a.total).toFixed(0)}%)`,
    )
  await embedder.dispose?.()
  if (writeScores) {
    const meta = JSON.parse(readFileSync(jsonPath, 'utf8')) as Record<string, unknown>
    meta.scores = scores
    await writeFileAtomic(jsonPath, JSON.stringify(meta, null, 2) + '\n')
    console.log(`\nscores of ${scores.length} split(s) written to ${jsonPath}`)
  }
  const json = opt('json')
  if (json)
    writeFileSync(
      json,
      JSON.stringify(
        {
          model: `${metadata.name} ${metadata.version}`,
          mode,
          results,
          auto: Object.fromEntries(autoByK),
        },
        null,
        2,
      ),
    )
}

await main()
