/**
 * One clustering job — k-means on the cached embeddings, masks, and the masks quantised for
 * display — and the messages of the worker threads that run them (cluster-worker.ts). No Electron
 * import here.
 */
import {
  clusterSources,
  sourceMasks,
  type Analysis,
  type Clustering,
  type MaskMode,
  type SourceCountSuggestion,
  type SourceMasks,
} from '../engine/index'

/** Display masks are quantised once per clustering (not per page) up to this many bytes. */
export const MASKS8_MAX_BYTES = 128 * 1024 * 1024

/** What a clustering job produces. */
export interface ClusterEntry {
  clustering: Clustering
  masks: SourceMasks
  timingsSec: { kmeans: number; masks: number }
  /** The masks quantised for display (uint8 [k][frames * bins]) when within MASKS8_MAX_BYTES. */
  masks8?: Uint8Array[]
}

/** Maps values in [lo, hi] to 0..255 (clamped, rounded; NaN -> 0). */
export function quantise(x: Float32Array, lo: number, hi: number): Uint8Array {
  const out = new Uint8Array(x.length)
  const scale = 255 / (hi - lo)
  for (let i = 0; i < x.length; i++) {
    const v = (x[i]! - lo) * scale + 0.5
    out[i] = v >= 0 ? (v >= 255 ? 255 : v) : 0 // Uint8Array truncates: +0.5 rounds
  }
  return out
}

/** Runs one job in this thread. */
export function runClusterJob(analysis: Analysis, k: number, mode: MaskMode): ClusterEntry {
  const t0 = performance.now()
  // Soft masks need no per-bin hard assignment: skip it.
  const clustering = clusterSources(analysis, k, mode === 'soft' ? { assign: false } : {})
  const t1 = performance.now()
  const masks = sourceMasks(analysis, clustering, mode)
  const t2 = performance.now()
  const entry: ClusterEntry = {
    clustering,
    masks,
    timingsSec: { kmeans: (t1 - t0) / 1000, masks: (t2 - t1) / 1000 },
  }
  if (masks.k * masks.frames * masks.bins <= MASKS8_MAX_BYTES) {
    entry.masks8 = masks.masks.map((x) => quantise(x, 0, 1))
  }
  return entry
}

/** host -> worker. */
export type ToClusterWorker =
  | { type: 'analysis'; key: string; analysis: Analysis }
  | { type: 'forget'; key: string }
  | { type: 'job'; id: number; key: string; k: number; mode: MaskMode }
  | { type: 'suggest'; id: number; key: string; maxK: number }

/** worker -> host. */
export type FromClusterWorker =
  | { type: 'done'; id: number; entry: ClusterEntry }
  | { type: 'suggested'; id: number; suggestion: SourceCountSuggestion }
  | { type: 'failed'; id: number; message: string }

/** Copies the analysis's big arrays into shared memory, so every worker reads one copy. */
export function shareAnalysis(a: Analysis): Analysis {
  const share = <T extends Float32Array | Int8Array>(
    x: T,
    make: (b: SharedArrayBuffer) => T,
  ): T => {
    const y = make(new SharedArrayBuffer(x.byteLength))
    y.set(x as never)
    return y
  }
  return {
    ...a,
    magnitude: share(a.magnitude, (b) => new Float32Array(b)),
    embeddings: share(a.embeddings, (b) => new Int8Array(b)),
  }
}

/** The ArrayBuffers of an entry's arrays (for a transfer list). */
export function entryTransfers(e: ClusterEntry): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>()
  const add = (x: ArrayBufferView): void => {
    if (x.buffer instanceof ArrayBuffer) out.add(x.buffer)
  }
  add(e.clustering.centroids)
  add(e.clustering.assignment)
  e.masks.masks.forEach(add)
  e.masks8?.forEach(add)
  return [...out]
}
