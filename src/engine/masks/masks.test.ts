import { describe, expect, it } from 'vitest'
import { syntheticAnalysis } from '../../../test/engine/synthetic'
import { clusterSources } from '../cluster/cluster'
import { sourceMasks } from './masks'

describe('sourceMasks', () => {
  for (const mode of ['hard', 'soft'] as const) {
    it(`${mode} masks of every bin (silent ones included) sum to 1`, () => {
      const { analysis } = syntheticAnalysis({
        frames: 100,
        bins: 33,
        dim: 16,
        shares: [1, 1, 1, 1],
        silentFraction: 0.5,
      })
      const c = clusterSources(analysis, 4, { sampleSize: 2000 })
      const m = sourceMasks(analysis, c, mode)
      expect(m.masks.length).toBe(4)
      let worst = 0
      for (let i = 0; i < 100 * 33; i++) {
        let s = 0
        for (let q = 0; q < 4; q++) {
          const v = m.masks[q][i]
          expect(v).toBeGreaterThanOrEqual(0)
          expect(v).toBeLessThanOrEqual(1)
          s += v
        }
        worst = Math.max(worst, Math.abs(s - 1))
      }
      expect(worst).toBeLessThan(1e-6)
      if (mode === 'hard') {
        for (let i = 0; i < 100 * 33; i++) expect(m.masks[c.assignment[i]][i]).toBe(1)
      }
    })
  }

  it('soft masks follow the hard assignment and sharpen with beta', () => {
    const { analysis } = syntheticAnalysis({ frames: 50, bins: 17, dim: 8, shares: [1, 1] })
    const c = clusterSources(analysis, 2, { sampleSize: 1000 })
    const soft5 = sourceMasks(analysis, c, 'soft', { beta: 5 })
    const soft50 = sourceMasks(analysis, c, 'soft', { beta: 50 })
    let agree = 0
    let sharper = 0
    for (let i = 0; i < 50 * 17; i++) {
      const a = c.assignment[i]
      if (soft5.masks[a][i] >= 0.5) agree++
      if (soft50.masks[a][i] >= soft5.masks[a][i] - 1e-6) sharper++
    }
    expect(agree).toBe(50 * 17)
    expect(sharper).toBe(50 * 17)
  })
})
