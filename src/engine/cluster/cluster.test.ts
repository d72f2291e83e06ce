import { describe, expect, it } from 'vitest'
import { bestPermutationAccuracy, syntheticAnalysis } from '../../../test/engine/synthetic'
import { activeThreshold, countActive, sampleActiveBins } from './active'
import { clusterSources } from './cluster'

describe('active bins', () => {
  it('thresholds relative to the loudest bin and samples without replacement', () => {
    const mag = Float32Array.of(1, 0.5, 0.001, 0.02, 0, 0.011)
    const t = activeThreshold(mag, 40) // 0.01
    expect(t).toBeCloseTo(0.01, 10)
    expect(countActive(mag, t)).toBe(4)
    expect(Array.from(sampleActiveBins(mag, t, 10))).toEqual([0, 1, 3, 5])
    const s = sampleActiveBins(mag, t, 2, 4)
    expect(s.length).toBe(2)
    expect(s[0]).toBeLessThan(s[1])
  })
})

describe('clusterSources', () => {
  it('assigns every bin, silent ones included, and recovers synthetic sources', () => {
    const { analysis, labels } = syntheticAnalysis({
      frames: 200,
      bins: 65,
      dim: 20,
      shares: [0.5, 0.3, 0.2],
    })
    const c = clusterSources(analysis, 3, { sampleSize: 5000 })
    expect(c.assignment.length).toBe(200 * 65)
    expect(bestPermutationAccuracy(labels, c.assignment, 3)).toBeGreaterThan(0.99)
    expect(c.weightShares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6)
    expect(c.weightShares[0]).toBeGreaterThanOrEqual(c.weightShares[1])
    expect(c.weightShares[1]).toBeGreaterThanOrEqual(c.weightShares[2])
    expect(Math.max(...c.assignment)).toBe(2)
  })
})
