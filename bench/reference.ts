/**
 * Reference implementations measured beside ours in `npm run bench`: fft.js for the FFT/STFT, the
 * Speex resampler (WASM, SIMD) for resampling, and a plain-JS k-means (arrays of numbers, the
 * textbook loops) for clustering. Benchmark-only code.
 */
import FFT from 'fft.js'

/** |X| of the centred periodic-Hann STFT with fft.js (same framing as ours). */
export function fftjsStftMagnitude(signal: Float32Array, nFft: number, hop: number): Float32Array {
  const fft = new FFT(nFft)
  const frames = Math.floor(signal.length / hop) + 1
  const bins = nFft / 2 + 1
  const win = new Float64Array(nFft).map((_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nFft))
  const frame = new Array<number>(nFft).fill(0)
  const out = fft.createComplexArray() as number[]
  const mag = new Float32Array(frames * bins)
  for (let t = 0; t < frames; t++) {
    const s = t * hop - nFft / 2
    for (let i = 0; i < nFft; i++) {
      const j = s + i
      frame[i] = j >= 0 && j < signal.length ? signal[j] * win[i] : 0
    }
    fft.realTransform(out, frame)
    for (let f = 0; f < bins; f++)
      mag[t * bins + f] = Math.sqrt(out[2 * f] ** 2 + out[2 * f + 1] ** 2)
  }
  return mag
}

/** fft.js forward real transform + inverse of one frame, `reps` times (its documented usage). */
export function fftjsRoundTrips(nFft: number, reps: number): number {
  const fft = new FFT(nFft)
  const x = new Array<number>(nFft).fill(0).map((_, i) => Math.sin(i))
  const spec = fft.createComplexArray() as number[]
  const back = fft.createComplexArray() as number[]
  let acc = 0
  for (let r = 0; r < reps; r++) {
    fft.realTransform(spec, x)
    fft.completeSpectrum(spec)
    fft.inverseTransform(back, spec)
    acc += back[2]
  }
  return acc
}

type SpeexModule = {
  _malloc(n: number): number
  _free(p: number): void
  _speex_resampler_init(ch: number, inRate: number, outRate: number, q: number, err: number): number
  _speex_resampler_process_float(
    st: number,
    ch: number,
    inp: number,
    inLen: number,
    out: number,
    outLen: number,
  ): number
  _speex_resampler_destroy(st: number): void
  HEAPF32: Float32Array
  HEAPU32: Uint32Array
}

let speex: Promise<SpeexModule> | undefined

/** Resamples with the Speex resampler (WASM SIMD build), quality 0-10. */
export async function speexResample(
  x: Float32Array,
  inRate: number,
  outRate: number,
  quality: number,
): Promise<Float32Array> {
  speex ??= import('@echogarden/speex-resampler-wasm/simd').then((m) =>
    (m.default as () => Promise<SpeexModule>)(),
  )
  const m = await speex
  const errPtr = m._malloc(4)
  const st = m._speex_resampler_init(1, inRate, outRate, quality, errPtr)
  const block = 65536
  const outBlock = Math.ceil((block * outRate) / inRate) + 256
  const inPtr = m._malloc(block * 4)
  const outPtr = m._malloc(outBlock * 4)
  const lens = m._malloc(8)
  const out = new Float32Array(Math.ceil((x.length * outRate) / inRate) + 1024)
  let o = 0
  for (let i = 0; i < x.length;) {
    const len = Math.min(block, x.length - i)
    m.HEAPF32.set(x.subarray(i, i + len), inPtr >> 2)
    m.HEAPU32[lens >> 2] = len
    m.HEAPU32[(lens >> 2) + 1] = outBlock
    m._speex_resampler_process_float(st, 0, inPtr, lens, outPtr, lens + 4)
    const used = m.HEAPU32[lens >> 2]
    const made = m.HEAPU32[(lens >> 2) + 1]
    out.set(m.HEAPF32.subarray(outPtr >> 2, (outPtr >> 2) + made), o)
    o += made
    i += used
  }
  m._speex_resampler_destroy(st)
  for (const p of [errPtr, inPtr, outPtr, lens]) m._free(p)
  return out.subarray(0, o)
}

/**
 * Textbook k-means in plain JS for comparison: points as number[][], k-means++ seeding, Lloyd
 * iterations, cosine similarity (points are unit vectors), weighted centroids, restarts.
 */
export function plainKMeans(
  points: number[][],
  weights: number[],
  k: number,
  restarts: number,
  maxIterations: number,
): { labels: number[]; inertia: number } {
  let seed = 1
  const rnd = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
    return seed / 2 ** 32
  }
  const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i], 0)
  let best = { labels: [] as number[], inertia: Infinity }
  for (let r = 0; r < restarts; r++) {
    const centroids: number[][] = [points[Math.floor(rnd() * points.length)].slice()]
    while (centroids.length < k) {
      const d = points.map(
        (p, i) => weights[i] * Math.max(0, 1 - Math.max(...centroids.map((c) => dot(p, c)))),
      )
      const total = d.reduce((a, b) => a + b, 0)
      let u = rnd() * total
      let pick = 0
      for (; pick < d.length - 1 && u > d[pick]; pick++) u -= d[pick]
      centroids.push(points[pick].slice())
    }
    let labels: number[] = []
    let inertia = Infinity
    for (let it = 0; it < maxIterations; it++) {
      const sims = points.map((p) => centroids.map((c) => dot(p, c)))
      const next = sims.map((s) => s.indexOf(Math.max(...s)))
      inertia =
        next.reduce((acc, l, i) => acc + weights[i] * (1 - sims[i][l]), 0) /
        weights.reduce((a, b) => a + b, 0)
      const changed = next.some((l, i) => l !== labels[i])
      labels = next
      for (let c = 0; c < k; c++) {
        const sum = new Array<number>(points[0].length).fill(0)
        points.forEach((p, i) => {
          if (labels[i] === c) p.forEach((v, j) => (sum[j] += weights[i] * v))
        })
        const norm = Math.sqrt(dot(sum, sum))
        if (norm > 0) centroids[c] = sum.map((v) => v / norm)
      }
      if (!changed) break
    }
    if (inertia < best.inertia) best = { labels, inertia }
  }
  return best
}
