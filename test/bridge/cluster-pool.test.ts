/** The clustering workers give what the same job gives in this thread, and survive a crash. */
import { afterAll, describe, expect, it } from 'vitest'
import type { Analysis } from '../../src/engine/index'
import { ClusterPool } from '../../src/engine-process/cluster-pool'
import { runClusterJob } from '../../src/engine-process/cluster-jobs'
import { buildEngineProcess } from './build'

/** Two obvious sources: low bins point one way, high bins another. */
function fakeAnalysis(): Analysis {
  const frames = 120
  const bins = 33
  const dim = 8
  const embeddings = new Int8Array(frames * bins * dim)
  const magnitude = new Float32Array(frames * bins)
  for (let t = 0; t < frames; t++) {
    for (let f = 0; f < bins; f++) {
      const i = t * bins + f
      magnitude[i] = 1 + ((t * 7 + f * 3) % 5)
      embeddings[i * dim + (f < 16 ? 0 : 1)] = 127
    }
  }
  return {
    sampleRate: 16000,
    nFft: 64,
    hop: 16,
    frames,
    bins,
    dim,
    stereoCue: 0,
    durationSec: (frames * 16) / 16000,
    inputSampleRate: 16000,
    inputLength: frames * 16,
    magnitude,
    embeddings,
    activeThresholdDb: 60,
    timings: {},
  }
}

const pools: ClusterPool[] = []
afterAll(async () => {
  await Promise.all(pools.map((p) => p.dispose()))
})

describe('ClusterPool', () => {
  it('runs jobs on worker threads with the same result as in this thread', async () => {
    const { clusterWorker } = await buildEngineProcess()
    const pool = new ClusterPool(clusterWorker)
    pools.push(pool)
    const a = fakeAnalysis()
    pool.setAnalysis('f1', a)
    const [inter, back] = await Promise.all([
      pool.run(2, 'soft', 'interactive'),
      pool.run(2, 'hard', 'background'),
    ])
    const here = runClusterJob(a, 2, 'soft')
    expect(inter.masks.masks.map((m) => [...m])).toEqual(here.masks.masks.map((m) => [...m]))
    expect(inter.masks8?.map((m) => [...m])).toEqual(here.masks8?.map((m) => [...m]))
    expect(back.masks.masks).toHaveLength(2)
    const s = await pool.suggest(4)
    expect(s.count).toBeGreaterThanOrEqual(1)
  })

  it('runs in the calling thread without a worker script', async () => {
    const pool = new ClusterPool(undefined)
    await expect(pool.run(2, 'soft', 'interactive')).rejects.toThrow(/no analysis/)
    pool.setAnalysis('f1', fakeAnalysis())
    expect((await pool.run(2, 'hard', 'interactive')).masks.k).toBe(2)
  })
})
