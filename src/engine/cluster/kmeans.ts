import { argmaxOf, centroidDots, centroidDots2, packCentroids } from './dots'
import { makeRng } from './random'

/** Options of `sphericalKMeans()`. */
export interface KMeansOptions {
  /** k-means++ restarts; the lowest weighted inertia wins. Default 4. */
  restarts?: number
  /** Lloyd iterations per restart (upper bound). Default 30. */
  maxIterations?: number
  /** PRNG seed. Default 1. */
  seed?: number
  /** Start from these centroids (float32 [k * d], unit rows) instead of k-means++ (one run, no restarts). */
  init?: Float32Array
}

/** Result of `sphericalKMeans()`. */
export interface KMeansResult {
  /** Unit-norm centroids, float32 [k * d]. */
  centroids: Float32Array
  /** Cluster of every point, uint8 [n]. */
  labels: Uint8Array
  /** sum w (1 - cos(point, its centroid)) / sum w. */
  inertia: number
  /** Iterations the winning restart ran. */
  iterations: number
}

/**
 * Magnitude-weighted spherical k-means: cosine distance on unit-norm points, centroids are the
 * normalised weighted sums of their points; k-means++ seeding (probability ~ w * (1 - cos)),
 * several restarts. points float32 [n * d] (unit-norm rows), weights float32 [n] (>= 0), k <= 255.
 */
export function sphericalKMeans(
  points: Float32Array,
  weights: Float32Array,
  d: number,
  k: number,
  opts: KMeansOptions = {},
): KMeansResult {
  const n = weights.length
  if (points.length !== n * d)
    throw new RangeError(`kmeans: points ${points.length} != n ${n} * d ${d}`)
  if (!(k >= 1 && k <= 255 && Number.isInteger(k)))
    throw new RangeError(`kmeans: k must be an integer in 1..255, got ${k}`)
  const restarts = Math.max(1, opts.restarts ?? 4)
  const maxIterations = Math.max(1, opts.maxIterations ?? 30)
  const rng = makeRng(opts.seed ?? 1)
  let wsum = 0
  for (let i = 0; i < n; i++) wsum += weights[i]
  if (opts.init) {
    if (opts.init.length !== k * d)
      throw new RangeError(`kmeans: init has ${opts.init.length} values, expected ${k * d}`)
    return lloyd(points, weights, wsum, d, k, maxIterations, rng, opts.init)
  }
  let best: KMeansResult | null = null
  for (let r = 0; r < restarts; r++) {
    const res = lloyd(points, weights, wsum, d, k, maxIterations, rng)
    if (!best || res.inertia < best.inertia) best = res
    if (k === 1) break // deterministic: the weighted mean direction
  }
  return best!
}

/** k-means++ seeding then Lloyd iterations; one restart. */
function lloyd(
  points: Float32Array,
  weights: Float32Array,
  wsum: number,
  d: number,
  k: number,
  maxIterations: number,
  rng: () => number,
  init?: Float32Array,
): KMeansResult {
  const n = weights.length
  const centroids = new Float32Array(k * d)
  const labels = new Uint8Array(n)
  const bestSim = new Float32Array(n)
  if (n === 0) return { centroids, labels, inertia: 0, iterations: 0 }
  // --- k-means++ seeding ---
  const dist = new Float64Array(n).fill(Infinity)
  if (init) centroids.set(init)
  for (let c = 0; c < (init ? 0 : k); c++) {
    let idx: number
    if (c === 0) {
      idx = pickWeighted(weights, wsum, rng)
    } else {
      let total = 0
      for (let i = 0; i < n; i++) total += weights[i] * dist[i]
      idx = total > 0 ? pickWeightedBy(weights, dist, total, rng) : Math.floor(rng() * n)
    }
    for (let j = 0; j < d; j++) centroids[c * d + j] = points[idx * d + j]
    // Update each point's distance to its nearest seed.
    for (let i = 0; i < n; i++) {
      let dot = 0
      const o = i * d
      const co = c * d
      for (let j = 0; j < d; j++) dot += points[o + j] * centroids[co + j]
      const dd = Math.max(0, 1 - dot)
      if (dd < dist[i]) dist[i] = dd
    }
  }
  // --- Lloyd ---
  const prevLabels = new Uint8Array(n)
  const sums = new Float64Array(k * d)
  const counts = new Float64Array(k)
  let iterations = 0
  let prevInertia = Infinity
  let inertia = 0
  for (let it = 0; it < maxIterations; it++) {
    iterations = it + 1
    let changed = 0
    let cost = 0
    sums.fill(0)
    counts.fill(0)
    assignPoints(points, d, centroids, k, labels, bestSim, prevLabels)
    for (let i = 0; i < n; i++) {
      const bl = labels[i]
      if (bl !== prevLabels[i] || it === 0) changed++
      const w = weights[i]
      cost += w * (1 - bestSim[i])
      counts[bl] += w
      const o = i * d
      const so = bl * d
      for (let j = 0; j < d; j++) sums[so + j] += w * points[o + j]
    }
    inertia = wsum > 0 ? cost / wsum : 0
    // New centroids; an empty cluster takes the point farthest from its centroid.
    for (let c = 0; c < k; c++) {
      const co = c * d
      let norm = 0
      for (let j = 0; j < d; j++) norm += sums[co + j] * sums[co + j]
      if (counts[c] > 0 && norm > 0) {
        const g = 1 / Math.sqrt(norm)
        for (let j = 0; j < d; j++) centroids[co + j] = sums[co + j] * g
      } else {
        let far = 0
        let farCost = -1
        for (let i = 0; i < n; i++) {
          const fc = weights[i] * (1 - bestSim[i])
          if (fc > farCost) {
            farCost = fc
            far = i
          }
        }
        for (let j = 0; j < d; j++) centroids[co + j] = points[far * d + j]
        bestSim[far] = 1
        changed++
      }
    }
    // Converged: (almost) no label moved, or the objective stopped improving.
    if (changed <= n * 1e-4 || prevInertia - inertia < 1e-6 * Math.max(prevInertia, 1e-12)) break
    prevInertia = inertia
  }
  // Final labels and inertia against the final centroids.
  assignPoints(points, d, centroids, k, labels, bestSim, prevLabels)
  let cost = 0
  for (let i = 0; i < n; i++) cost += weights[i] * (1 - bestSim[i])
  inertia = wsum > 0 ? cost / wsum : 0
  return { centroids, labels, inertia, iterations }
}

/**
 * Nearest centroid (largest dot) of every point: labels[i], sims[i] = that dot; the previous labels
 * are copied to prev first. points float32 [n * d], centroids float32 [k * d].
 */
function assignPoints(
  points: Float32Array,
  d: number,
  centroids: Float32Array,
  k: number,
  labels: Uint8Array,
  sims: Float32Array,
  prev: Uint8Array,
): void {
  prev.set(labels)
  const ct = packCentroids(centroids, k, d)
  const groups = ct.length / (4 * d)
  const n = labels.length
  if (groups === 1) {
    // two points per pass (they share the centroid loads); an odd count: the last one alone
    const dots = new Float64Array(10)
    let i = 0
    for (; i + 1 < n; i += 2) {
      centroidDots2(points, i * d, i * d + d, d, ct, dots)
      labels[i] = argmaxOf(dots, 0, k)
      sims[i] = dots[labels[i]!]!
      labels[i + 1] = argmaxOf(dots, 4, k)
      sims[i + 1] = dots[4 + labels[i + 1]!]!
    }
    if (i < n) {
      centroidDots(points, i * d, d, ct, dots.subarray(0, 4))
      labels[i] = argmaxOf(dots, 0, k)
      sims[i] = dots[labels[i]!]!
    }
    return
  }
  const dots = new Float64Array(groups * 4)
  for (let i = 0; i < n; i++) {
    centroidDots(points, i * d, d, ct, dots)
    const best = argmaxOf(dots, 0, k)
    labels[i] = best
    sims[i] = dots[best]!
  }
}

function pickWeighted(weights: Float32Array, total: number, rng: () => number): number {
  const n = weights.length
  if (!(total > 0)) return Math.floor(rng() * n)
  let u = rng() * total
  for (let i = 0; i < n; i++) {
    u -= weights[i]
    if (u <= 0) return i
  }
  return n - 1
}

function pickWeightedBy(
  weights: Float32Array,
  dist: Float64Array,
  total: number,
  rng: () => number,
): number {
  const n = weights.length
  let u = rng() * total
  for (let i = 0; i < n; i++) {
    u -= weights[i] * dist[i]
    if (u <= 0 && weights[i] * dist[i] > 0) return i
  }
  for (let i = n - 1; i >= 0; i--) if (weights[i] * dist[i] > 0) return i
  return n - 1
}
