/**
 * `npm run bench`: per-stage time and peak memory of the engine, file to stems on disk, for
 * generated 30 s, 3 min and 30 min stereo 44.1 kHz songs (3 sources), each case in its own process
 * (so peak RSS is that case's); the hot kernels beside reference implementations in the same run,
 * as ratios (ours / reference time: < 1 means ours is faster); re-clustering time for another k;
 * mixture consistency of the written 32-bit float stems.
 *
 * Options: --cases 30,180,1800   --model PATH (default models/unweave-dc.json, else the tiny-random
 * fixture, whose network timings are not representative)   --json OUT   --no-reference   --device cpu
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { clusterSources, separate, sourceMasks, type StageTimings } from '../src/engine'
import { sphericalKMeans } from '../src/engine/cluster/kmeans'
import { assignRows, quantizeRows } from '../src/engine/cluster/embeddings'
import { RealFft } from '../src/engine/dsp/fft'
import { Resampler } from '../src/engine/dsp/resample'
import { stftMagnitude } from '../src/engine/dsp/stft'
import { ANALYSIS_RESAMPLE } from '../src/engine/analyse'
import { createOnnxEmbedder, type DeviceChoice } from '../src/node/onnx-embedder'
import { decodeAudioFile } from '../src/node/audio-decode'
import { openStemWriter } from '../src/node/audio-encode'
import { loadModel } from '../src/node/model-store'
import { clusteredPoints, orthogonalDirections } from '../test/engine/synthetic'
import { fftjsRoundTrips, fftjsStftMagnitude, plainKMeans, speexResample } from './reference'
import { benchEditing } from './editing'
import { peakRss } from './peak-rss'
import { syntheticSong } from './signals'
import { flag, opt } from './args'

const RATE = 44100
const SOURCES = 3
/** The CLI's default mask mode. */
const MASK = 'soft' as const
const workDir = join(tmpdir(), 'unweave-bench')

function modelPath(): string {
  const given = opt('model')
  if (given) return resolve(given)
  const shipped = resolve('models/unweave-dc.json')
  return existsSync(shipped) ? shipped : resolve('test/fixtures/tiny-random.json')
}

const cpuSec = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

/** Best of `reps` wall times of f (seconds). */
async function best(reps: number, f: () => unknown): Promise<number> {
  let b = Infinity
  for (let r = 0; r < reps; r++) {
    const t = performance.now()
    await f()
    b = Math.min(b, (performance.now() - t) / 1000)
  }
  return b
}

// ---------------------------------------------------------------- child: prepare one input
async function prepare(seconds: number): Promise<void> {
  mkdirSync(workDir, { recursive: true })
  const path = join(workDir, `song-${seconds}s.wav`)
  if (existsSync(path)) return
  const { mix } = syntheticSong(RATE, seconds)
  const w = await openStemWriter(path, {
    format: 'wav',
    bits: '32f',
    sampleRate: RATE,
    channels: 2,
    force: true,
  })
  const block = 1 << 16
  for (let i = 0; i < mix[0].length; i += block)
    await w.write(mix.map((c) => c.subarray(i, i + block)))
  await w.commit()
}

// ---------------------------------------------------------------- child: measure one case
interface CaseResult {
  seconds: number
  model: string
  provider: string
  frames: number
  timings: StageTimings & { decode: number; encode: number; fileToStems: number; loadModel: number }
  cpuSec: number
  rtf: number
  peakRssMB: number
  reclusterSec: { hardK4: number; softK2: number }
  mixtureMaxAbsError: number
  energyShares: number[]
}

async function measure(seconds: number): Promise<CaseResult> {
  const inPath = join(workDir, `song-${seconds}s.wav`)
  const outDir = join(workDir, `out-${seconds}s`)
  mkdirSync(outDir, { recursive: true })
  const tl = performance.now()
  const { metadata, onnxPath } = await loadModel(modelPath())
  const { embedder, provider } = await createOnnxEmbedder(onnxPath, metadata, {
    device: (opt('device') ?? 'cpu') as DeviceChoice,
  })
  const loadSec = (performance.now() - tl) / 1000
  const c0 = cpuSec()
  const t0 = performance.now()
  const audio = await decodeAudioFile(inPath)
  const decode = (performance.now() - t0) / 1000
  const writers = await Promise.all(
    Array.from({ length: SOURCES }, (_, s) =>
      openStemWriter(join(outDir, `song.source-${s + 1}.wav`), {
        format: 'wav',
        bits: '32f',
        sampleRate: audio.sampleRate,
        channels: audio.channels.length,
        force: true,
      }),
    ),
  )
  const res = await separate(
    audio,
    metadata,
    embedder,
    { sources: SOURCES, mask: MASK },
    { write: (s, block) => writers[s].write(block) },
  )
  const tc = performance.now()
  await Promise.all(writers.map((w) => w.commit()))
  const commit = (performance.now() - tc) / 1000
  const fileToStems = (performance.now() - t0) / 1000
  const cpu = cpuSec() - c0
  const peakRssMB = peakRss() / 2 ** 20
  // Another k, no network: cluster + masks on the model grid.
  const hardK4 = await best(2, () =>
    sourceMasks(res.analysis, clusterSources(res.analysis, 4), 'hard'),
  )
  const softK2 = await best(2, () =>
    sourceMasks(res.analysis, clusterSources(res.analysis, 2, { assign: false }), 'soft'),
  )
  // Mixture consistency of what is on disk.
  const n = audio.channels[0].length
  const sum = audio.channels.map(() => new Float64Array(n))
  for (const w of writers) {
    const stem = await decodeAudioFile(w.path)
    stem.channels.forEach((c, ci) => {
      const s = sum[ci]
      for (let i = 0; i < n; i++) s[i] += c[i]
    })
  }
  let err = 0
  audio.channels.forEach((c, ci) => {
    const s = sum[ci]
    for (let i = 0; i < n; i++) err = Math.max(err, Math.abs(s[i] - c[i]))
  })
  rmSync(outDir, { recursive: true, force: true })
  await embedder.dispose?.()
  return {
    seconds,
    model: `${metadata.name} ${metadata.version} (${metadata.sampleRate} Hz, ${metadata.stft.nFft}/${metadata.stft.hop}, D=${metadata.embeddingDim})`,
    provider,
    frames: res.analysis.frames,
    timings: {
      ...res.timings,
      decode,
      encode: (res.timings.sink ?? 0) + commit,
      fileToStems,
      loadModel: loadSec,
    },
    cpuSec: cpu,
    rtf: fileToStems / seconds,
    peakRssMB,
    reclusterSec: { hardK4, softK2 },
    mixtureMaxAbsError: err,
    energyShares: res.energyShares,
  }
}

// ---------------------------------------------------------------- parent: references
interface RefRow {
  kernel: string
  oursSec: number
  refSec: number
  reference: string
  note?: string
}

async function references(): Promise<RefRow[]> {
  const rows: RefRow[] = []
  // FFT: forward + inverse of a 2048-point real frame.
  {
    const n = 2048
    const reps = 20000
    const fft = new RealFft(n)
    const x = new Float64Array(n).map((_, i) => Math.sin(i))
    const spec = new Float64Array(n + 2)
    const back = new Float64Array(n)
    const ours = await best(3, () => {
      for (let r = 0; r < reps; r++) {
        fft.forward(x, spec)
        fft.inverse(spec, back)
      }
    })
    const ref = await best(3, () => fftjsRoundTrips(n, reps))
    rows.push({
      kernel: `real FFT ${n} forward+inverse x${reps}`,
      oursSec: ours,
      refSec: ref,
      reference: 'fft.js 4 (realTransform + completeSpectrum + inverseTransform)',
    })
  }
  const mono16 = syntheticSong(16000, 180).mix[0]
  // STFT magnitude on the model grid, 3 min at 16 kHz.
  {
    const ours = await best(2, () => stftMagnitude(mono16, 512, 128))
    const ref = await best(2, () => fftjsStftMagnitude(mono16, 512, 128))
    rows.push({
      kernel: 'STFT |X| 3 min 16 kHz 512/128',
      oursSec: ours,
      refSec: ref,
      reference: 'fft.js 4 realTransform, same framing',
    })
  }
  // Resampling 44.1 -> 16 kHz, 3 min mono.
  {
    const x = syntheticSong(RATE, 180).mix[0]
    const ours = await best(2, () => new Resampler(RATE, 16000, ANALYSIS_RESAMPLE).process(x))
    const ref = await best(2, () => speexResample(x, RATE, 16000, 10))
    const ref7 = await best(2, () => speexResample(x, RATE, 16000, 7))
    rows.push({
      kernel: 'resample 44.1->16 kHz, 3 min',
      oursSec: ours,
      refSec: ref,
      reference: 'Speex WASM SIMD quality 10',
      note: `ours: the analysis setting (flat to ${ANALYSIS_RESAMPLE.passband} of Nyquist, ${ANALYSIS_RESAMPLE.attenuationDb} dB), zero delay; Speex q7 ${ref7.toFixed(3)} s`,
    })
  }
  // k-means: 100k unit points, D = 20, k = 3, 4 restarts, <= 30 iterations.
  {
    const d = 20
    const m = 100_000
    const { points } = clusteredPoints(orthogonalDirections(3, d), d, m, 0.35, [0.5, 0.3, 0.2])
    const w = new Float32Array(m).map((_, i) => 0.2 + ((i * 7919) % 1000) / 1000)
    const ours = await best(2, () =>
      sphericalKMeans(points, w, d, 3, { restarts: 4, maxIterations: 30 }),
    )
    const arr = Array.from({ length: m }, (_, i) => Array.from(points.subarray(i * d, i * d + d)))
    const warr = Array.from(w)
    const ref = await best(1, () => plainKMeans(arr, warr, 3, 4, 30))
    rows.push({
      kernel: 'k-means 100k x D20, k=3, 4 restarts',
      oursSec: ours,
      refSec: ref,
      reference: 'plain-JS k-means (number[][], same algorithm)',
    })
    // Assignment of every bin of a 3-min file (5.76M bins) to 3 centroids, int8 vs plain float.
    const N = 5_760_000
    const big = clusteredPoints(orthogonalDirections(3, d), d, 200_000, 0.35, [1, 1, 1])
    const emb = new Int8Array(N * d)
    for (let o = 0; o < N; o += 200_000)
      quantizeRows(big.points, emb, d, o, Math.min(200_000, N - o))
    const cents = orthogonalDirections(3, d)
    const out = new Uint8Array(N)
    const oursA = await best(2, () => assignRows(emb, d, cents, 3, out))
    const f32 = new Float32Array(N * d).map((_, i) => emb[i] / 127)
    const refA = await best(2, () => {
      for (let i = 0; i < N; i++) {
        let bl = 0
        let bs = -Infinity
        for (let c = 0; c < 3; c++) {
          let s = 0
          for (let j = 0; j < d; j++) s += f32[i * d + j] * cents[c * d + j]
          if (s > bs) {
            bs = s
            bl = c
          }
        }
        out[i] = bl
      }
    })
    rows.push({
      kernel: 'assign 5.76M bins (3 min) to k=3',
      oursSec: oursA,
      refSec: refA,
      reference: 'straightforward float32 loop',
    })
  }
  return rows
}

// ---------------------------------------------------------------- main
function runChild(args: string[]): string {
  const r = spawnSync(process.execPath, ['scripts/run-ts.mjs', 'bench/bench.ts', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  })
  if (r.status !== 0)
    throw new Error(`bench child ${args.join(' ')} failed with status ${r.status}`)
  return r.stdout
}

const fmt = (v: number | undefined, digits = 3): string =>
  v === undefined ? '-' : v.toFixed(digits)

async function main(): Promise<void> {
  if (opt('prepare')) return prepare(Number(opt('prepare')))
  if (opt('case')) {
    const r = await measure(Number(opt('case')))
    process.stdout.write(`${JSON.stringify(r)}\n`)
    return
  }
  if (flag('only-editing')) {
    console.log('## Hand editing (issue 17): brush and edit -> sound on a 3-minute stereo file\n')
    await benchEditing(modelPath())
    return
  }
  const cases = (opt('cases') ?? '30,180,1800').split(',').map(Number)
  console.log(`# Unweave engine bench — ${new Date().toISOString()}`)
  console.log(
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  )
  console.log(`model: ${modelPath()}`)
  const out: { references?: RefRow[]; cases: CaseResult[]; loadAverage: number[] } = {
    cases: [],
    loadAverage: loadavg(),
  }
  if (!flag('no-reference')) {
    console.log('\n## Hot kernels beside reference implementations (same process, best of runs)\n')
    console.log('| kernel | ours (s) | reference (s) | ours/ref | reference |')
    console.log('|---|---|---|---|---|')
    out.references = await references()
    for (const r of out.references) {
      console.log(
        `| ${r.kernel} | ${fmt(r.oursSec)} | ${fmt(r.refSec)} | ${(r.oursSec / r.refSec).toFixed(2)} | ${r.reference}${r.note ? `; ${r.note}` : ''} |`,
      )
    }
  }
  console.log(
    '\n## File to stems on disk (decode -> separate k=3 soft -> 3 x WAV 32f), one process per case\n',
  )
  for (const s of cases) {
    runChild(['--prepare', String(s)])
    const line = runChild([
      '--case',
      String(s),
      ...(opt('model') ? ['--model', opt('model')!] : []),
      ...(opt('device') ? ['--device', opt('device')!] : []),
    ])
    const r = JSON.parse(line.trim().split('\n').pop()!) as CaseResult
    out.cases.push(r)
    console.error(`  done: ${s} s`)
  }
  const stages: (keyof CaseResult['timings'])[] = [
    'decode',
    'downmix',
    'resample',
    'stft',
    'features',
    'embed',
    'quantize',
    'activeBins',
    'kmeans',
    'masks',
    'apply',
    'istft',
    'encode',
    'fileToStems',
  ]
  const label = (s: number): string => (s >= 60 ? `${s / 60} min` : `${s} s`)
  console.log(`| stage (s) | ${out.cases.map((c) => label(c.seconds)).join(' | ')} |`)
  console.log(`|---|${out.cases.map(() => '---').join('|')}|`)
  for (const st of stages)
    console.log(`| ${st} | ${out.cases.map((c) => fmt(c.timings[st])).join(' | ')} |`)
  const row = (name: string, f: (c: CaseResult) => string): void =>
    console.log(`| ${name} | ${out.cases.map(f).join(' | ')} |`)
  row('real-time factor', (c) => c.rtf.toFixed(4))
  row('CPU seconds (all threads)', (c) => c.cpuSec.toFixed(2))
  row('peak RSS (MB)', (c) => c.peakRssMB.toFixed(0))
  row('another k: k=4 cluster + hard masks (s)', (c) => fmt(c.reclusterSec.hardK4))
  row('another k: k=2 cluster + soft masks (s)', (c) => fmt(c.reclusterSec.softK2))
  row('max abs(sum of stems - input)', (c) => c.mixtureMaxAbsError.toExponential(2))
  row('model frames', (c) => String(c.frames))
  console.log(
    `\nmodel: ${out.cases[0]?.model ?? '?'}; provider: ${out.cases[0]?.provider ?? '?'}; model load (not in file-to-stems): ${fmt(out.cases[0]?.timings.loadModel)} s`,
  )
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (timings are wall clock: other work on the machine inflates them)`,
  )
  console.log('\n## Hand editing (issue 17): brush and edit -> sound on a 3-minute stereo file\n')
  const editing = await benchEditing(modelPath())
  if (!flag('no-hostile')) {
    console.log(
      '\n## Hostile project files: peak memory and time to the verdict, one process per file\n',
    )
    const r = spawnSync(process.execPath, ['scripts/run-ts.mjs', 'bench/hostile-projects.ts'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    process.stdout.write(r.stdout)
  }
  const json = opt('json')
  if (json) writeFileSync(json, JSON.stringify({ ...out, editing }, null, 2))
}

await main()
