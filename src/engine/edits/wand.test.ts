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

describe('EmbeddingWand by share', () => {
  // int8 embeddings spread in every direction (a seeded generator), 200 x 100 bins, 20 dims
  const frames = 200
  const bins = 100
  const dim = 20
  let seed = 7
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1
  const embeddings = Int8Array.from({ length: frames * bins * dim }, () => Math.round(rnd() * 127))
  const grid = { frames, bins, dim, embeddings }

  it('moves the selection in even steps: share s selects s of the bins, the most similar first', () => {
    const wand = new EmbeddingWand(grid)
    wand.seedFromBin(50, 50)
    const n = frames * bins
    let prev = 0
    for (let pct = 5; pct <= 60; pct += 5) {
      const sel = wand.selectShare(pct / 100)
      const count = selectedCount(sel)
      // one histogram step of overshoot at most: well under half a percent of the bins here
      expect(Math.abs(count - (pct / 100) * n), `${pct} %`).toBeLessThan(0.005 * n)
      // even steps: each 5 % more selects about 5 % of the bins more
      if (pct > 5) expect(Math.abs(count - prev - 0.05 * n)).toBeLessThan(0.01 * n)
      // the most similar first: everything selected is at least as similar as anything left out
      const th = wand.thresholdForShare(pct / 100)
      expect(count).toBe(wand.count(th))
      prev = count
    }
    expect(selectedCount(wand.selectShare(0))).toBe(0)
    expect(selectedCount(wand.selectShare(1))).toBe(n)
    expect(selectionWeight(wand.selectShare(0.001), 50, 50)).toBe(1) // the seed itself comes first
  })

  it('selects nothing before a seed', () => {
    expect(selectedCount(new EmbeddingWand(grid).selectShare(0.5))).toBe(0)
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
