/** Synthetic inputs for engine tests: plumbing and kernels only, never quality claims. */
import type { Analysis } from '../../src/engine/types'
import { quantizeRows } from '../../src/engine/cluster/embeddings'
import { makeRng } from '../../src/engine/cluster/random'

/** Gaussian from a uniform PRNG (Box-Muller). */
export function gaussian(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(rng() + 1e-300)) * Math.cos(2 * Math.PI * rng())
}

/** c unit directions in d dimensions, mutually orthogonal (c <= d): the first c basis vectors, rotated. */
export function orthogonalDirections(c: number, d: number, seed = 7): Float32Array {
  const rng = makeRng(seed)
  const dirs = new Float32Array(c * d)
  // Gram-Schmidt on random vectors.
  for (let a = 0; a < c; a++) {
    const v = new Float64Array(d).map(() => gaussian(rng))
    for (let b = 0; b < a; b++) {
      let dot = 0
      for (let j = 0; j < d; j++) dot += v[j] * dirs[b * d + j]
      for (let j = 0; j < d; j++) v[j] -= dot * dirs[b * d + j]
    }
    const norm = Math.hypot(...v)
    for (let j = 0; j < d; j++) dirs[a * d + j] = v[j] / norm
  }
  return dirs
}

/** n unit points around the given directions with Gaussian noise sigma; labels drawn with `shares`. */
export function clusteredPoints(
  dirs: Float32Array,
  d: number,
  n: number,
  sigma: number,
  shares: number[],
  seed = 3,
): { points: Float32Array; labels: Uint8Array } {
  const rng = makeRng(seed)
  const points = new Float32Array(n * d)
  const labels = new Uint8Array(n)
  const cum = shares.map(
    (
      (s) => (v: number) =>
        (s += v)
    )(0),
  )
  const total = cum[cum.length - 1]
  for (let i = 0; i < n; i++) {
    const u = rng() * total
    let c = cum.findIndex((x) => u < x)
    if (c < 0) c = shares.length - 1
    labels[i] = c
    let norm = 0
    for (let j = 0; j < d; j++) {
      const v = dirs[c * d + j] + sigma * gaussian(rng)
      points[i * d + j] = v
      norm += v * v
    }
    const g = 1 / Math.sqrt(norm)
    for (let j = 0; j < d; j++) points[i * d + j] *= g
  }
  return { points, labels }
}

/** Fraction of points whose label matches under the best one-to-one relabelling (k <= 6). */
export function bestPermutationAccuracy(truth: Uint8Array, found: Uint8Array, k: number): number {
  const conf = Array.from({ length: k }, () => new Float64Array(k))
  for (let i = 0; i < truth.length; i++) conf[truth[i]][found[i]]++
  let best = 0
  const perm = (arr: number[], rest: number[]): void => {
    if (rest.length === 0) {
      let s = 0
      arr.forEach((f, t) => (s += conf[t][f]))
      best = Math.max(best, s)
      return
    }
    rest.forEach((r, i) => perm([...arr, r], [...rest.slice(0, i), ...rest.slice(i + 1)]))
  }
  perm(
    [],
    Array.from({ length: k }, (_, i) => i),
  )
  return best / truth.length
}

/**
 * A synthetic Analysis whose bins belong to `shares.length` sources with orthogonal embedding
 * directions; bins are labelled in blocks of frequency that change over time.
 */
export function syntheticAnalysis(opts: {
  frames: number
  bins: number
  dim: number
  shares: number[]
  sigma?: number
  seed?: number
  silentFraction?: number
}): { analysis: Analysis; labels: Uint8Array } {
  const { frames, bins, dim, shares } = opts
  const n = frames * bins
  const dirs = orthogonalDirections(shares.length, dim, opts.seed ?? 7)
  const { points, labels } = clusteredPoints(
    dirs,
    dim,
    n,
    opts.sigma ?? 0.15,
    shares,
    opts.seed ?? 3,
  )
  const embeddings = new Int8Array(n * dim)
  quantizeRows(points, embeddings, dim, 0, n)
  const rng = makeRng((opts.seed ?? 3) + 100)
  const magnitude = new Float32Array(n)
  const silent = opts.silentFraction ?? 0.2
  for (let i = 0; i < n; i++) magnitude[i] = rng() < silent ? 1e-6 * rng() : 0.1 + rng()
  return {
    labels,
    analysis: {
      sampleRate: 16000,
      nFft: 2 * (bins - 1),
      hop: (bins - 1) / 2,
      frames,
      bins,
      dim,
      stereoCue: 0,
      durationSec: (frames * (bins - 1)) / 2 / 16000,
      inputSampleRate: 16000,
      inputLength: Math.round((frames - 1) * ((bins - 1) / 2)),
      magnitude,
      embeddings,
      activeThresholdDb: 40,
      timings: {},
    },
  }
}

/** n deterministic pseudo-random numbers in [-1, 1) (a linear congruential generator). */
export function lcgNoise(n: number, seed = 1): Float64Array {
  const out = new Float64Array(n)
  let s = seed >>> 0
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out[i] = s / 2 ** 31 - 1
  }
  return out
}
