import { describe, expect, it } from 'vitest'
import { syntheticAnalysis } from '../../../test/engine/synthetic'
import { suggestSourceCount } from './suggest'

describe('suggestSourceCount', () => {
  for (const shares of [
    [1],
    [0.6, 0.4],
    [0.5, 0.3, 0.2],
    [0.4, 0.3, 0.2, 0.1],
    [0.3, 0.25, 0.2, 0.15, 0.1],
  ]) {
    it(`finds ${shares.length} well-separated synthetic source(s) with confidence`, () => {
      const { analysis } = syntheticAnalysis({
        frames: 200,
        bins: 65,
        dim: 20,
        shares,
        sigma: 0.15,
      })
      const s = suggestSourceCount(analysis, 8)
      expect(s.scores.length).toBe(8)
      expect(s.count).toBe(shares.length)
      expect(s.confidence).toBeGreaterThan(0.5)
      expect(s.confidence).toBeLessThanOrEqual(1)
    })
  }
})
