import { describe, expect, it } from 'vitest'
import { clusterSources } from '../cluster/cluster'
import { sourceMasks } from '../masks/masks'
import { clusteredAnalysis } from '../../../test/edits/grid'
import {
  EditableMasks,
  EmbeddingWand,
  rectangleSelection,
  reclusterWithEdits,
  selectedCount,
  selectionWeight,
} from './index'

// Cluster 1: a block of frames 20..39 x bins 10..29; cluster 0 elsewhere. (Plumbing data.)
const label = (t: number, f: number): number => (t >= 20 && t < 40 && f >= 10 && f < 30 ? 1 : 0)

describe('EmbeddingWand', () => {
  const a = clusteredAnalysis(80, 50, 20, label)
  it("selects exactly the seed bin's synthetic cluster", () => {
    const wand = new EmbeddingWand(a)
    expect(wand.seedFromBin(25, 15)).toBe(true)
    const sel = wand.select(0.5)
    expect(selectedCount(sel)).toBe(20 * 20)
    expect([sel.frame0, sel.frames, sel.bin0, sel.bins]).toEqual([20, 20, 10, 20])
    expect(selectionWeight(sel, 30, 20)).toBe(1)
  })
  it('is monotone in the threshold (higher threshold -> subset)', () => {
    const wand = new EmbeddingWand(a)
    wand.seedFromBin(3, 3)
    let prev = Infinity
    let prevSel = wand.select(-1)
    for (let th = -1; th <= 1.0001; th += 0.05) {
      const sel = wand.select(th)
      const n = selectedCount(sel)
      expect(n).toBeLessThanOrEqual(prev)
      expect(n).toBe(wand.count(th))
      for (let t = sel.frame0; t < sel.frame0 + sel.frames; t++)
        for (let f = sel.bin0; f < sel.bin0 + sel.bins; f++)
          if (selectionWeight(sel, t, f) > 0) expect(selectionWeight(prevSel, t, f)).toBe(1)
      prev = n
      prevSel = sel
    }
  })
  it('seeds from a selection (mean embedding) and limits to a frame range', () => {
    const wand = new EmbeddingWand(a)
    wand.seedFromSelection(rectangleSelection(a, { frame: 22, bin: 12 }, { frame: 24, bin: 14 }))
    expect(selectedCount(wand.select(0.5))).toBe(400)
    expect(selectedCount(wand.select(0.5, { frameStart: 30, frameEnd: 35 }))).toBe(100)
  })
})

describe('reclusterWithEdits', () => {
  it('assigned bins keep their source; the rest is re-assigned; k and order kept', () => {
    const a = clusteredAnalysis(60, 40, 20, (t, f) => (f < 20 ? 0 : 1) + (t >= 30 ? 2 : 0))
    const c = clusterSources(a, 3, { seed: 2 })
    const ed = new EditableMasks(sourceMasks(a, c, 'soft'))
    // The user paints a block onto source 2 and another onto source 0, against the clustering.
    ed.edit({
      action: { type: 'assign', to: 2 },
      selection: rectangleSelection(a, { frame: 0, bin: 0 }, { frame: 9, bin: 9 }),
    })
    ed.edit({
      action: { type: 'assign', to: 0 },
      selection: rectangleSelection(a, { frame: 40, bin: 25 }, { frame: 49, bin: 34 }),
    })
    const cons = ed.assignedBins()
    expect(cons.indices.length).toBe(200)
    const r = reclusterWithEdits(a, c, cons)
    expect(r.k).toBe(3)
    for (let i = 0; i < cons.indices.length; i++)
      expect(r.assignment[cons.indices[i]]).toBe(cons.labels[i])
    const shares = r.weightShares.reduce((p, q) => p + q, 0)
    expect(shares).toBeCloseTo(1, 6)
    // Re-applying the edits over the new automatic masks keeps the painted bins on their source.
    ed.setAutomatic(sourceMasks(a, r, 'soft'))
    for (let i = 0; i < cons.indices.length; i++)
      expect(ed.masks.masks[cons.labels[i]][cons.indices[i]]).toBe(1)
    const hard = sourceMasks(a, r, 'hard')
    for (let i = 0; i < cons.indices.length; i++)
      expect(hard.masks[cons.labels[i]][cons.indices[i]]).toBe(1)
  })
})
