/**
 * Separations of the open file and what is made of them: clustering at a source count, the masks
 * quantised for display, stem audio for playback and the stem export, both with the engine's
 * `synthesizeStems` so that what you hear is what you export.
 */
import {
  DEQ,
  checkSelection,
  mapPacked,
  packedFor,
  selectionMaskRows,
  synthesizeFromRows,
  synthesizeStems,
  touchedSampleRange,
} from '../engine/index'
import { CodedError } from '../shared/errors'
import { writeStems } from '../node/index'
import type { HostOps } from '../shared/engine-protocol'
import type { Analyses } from './analyses'
import { MASKS8_MAX_BYTES, quantise, type ClusterEntry } from './cluster-jobs'
import type { Editing } from './editing'
import { clampRange, hostSeparation, masksOf, yieldTurn, YIELD_EVERY_MS } from './host-context'
import type { HostContext, Progress, Separation } from './host-context'

/** The 8-bit display value of each 12-bit unit count (the same rounding as quantise()). */
const DISPLAY_OF_UNITS = quantise(DEQ, 0, 1)

/** Separating at a source count, and the masks and stems of a separation. */
export class Separations {
  constructor(
    readonly ctx: HostContext,
    readonly analyses: Analyses,
    readonly editing: Editing,
  ) {}

  /** The `cluster` request: a separation of the open file at a source count (or 'auto'). */
  async cluster(
    { fileId, separationId, sourceCount, mask, stereoCue }: HostOps['cluster']['args'],
    signal: AbortSignal,
    progress: Progress,
  ): Promise<HostOps['cluster']['result']> {
    const { analysis, entry } = await this.analyses.analysisFor(
      fileId,
      !!stereoCue,
      signal,
      (s, fr) => progress(s, 0.9 * fr),
    )
    const suggestion = entry.suggestion!
    const k = sourceCount === 'auto' ? suggestion.count : sourceCount
    progress('kmeans', 0.9)
    const asked = this.analyses.clusteringFor(fileId, analysis, k, mask, 'interactive')
    // Meanwhile get the neighbouring counts ready on the background worker (the other core), so
    // a k change is usually a cache hit.
    this.analyses.precompute(fileId, analysis, [k - 1, k + 1, suggestion.count], mask)
    const { entry: clusterEntry, cached } = await asked
    // The k-means ran on a worker and stays cached; a cancelled call still reports 'cancelled'.
    signal.throwIfAborted()
    this.ctx.checkOpen(fileId)
    const { clustering, masks, timingsSec } = clusterEntry
    const s: Separation = {
      id: separationId,
      fileId,
      clustering,
      masks,
      entry: clusterEntry,
      mode: mask,
      requestedSources: sourceCount,
      stereoCue: analysis.stereoCue,
      suggestion,
    }
    // Keep a few (the overlay can flip back to a previous one).
    this.ctx.addSeparation(s)
    this.editing.prepareEditor(s)
    return {
      ...hostSeparation(s, { ...timingsSec, ...(cached ? { cached: 1 } : {}) }),
      sourceCount: k,
    }
  }

  /** The display masks of an entry quantised once, when they fit the budget; else undefined. */
  #masks8(entry: ClusterEntry): Uint8Array[] | undefined {
    const m = entry.masks
    if (!entry.masks8 && m.k * m.frames * m.bins <= MASKS8_MAX_BYTES) {
      const p = packedFor(m)
      entry.masks8 = p
        ? mapPacked(p, 0, p.n, DISPLAY_OF_UNITS)
        : m.masks.map((x) => quantise(x, 0, 1))
    }
    return entry.masks8
  }

  /** The automatic masks of frames [from, to) as 8-bit display values. */
  masks({ separationId, range }: HostOps['masks']['args']): HostOps['masks']['result'] {
    const s = this.ctx.separationById(separationId)
    const m = s.masks
    const { from, to } = clampRange(range, m.frames)
    const all = this.#masks8(s.entry)
    const p = all ? undefined : packedFor(m)
    const masks = all
      ? all.map((x) => x.slice(from * m.bins, to * m.bins))
      : p
        ? mapPacked(p, from * m.bins, to * m.bins, DISPLAY_OF_UNITS)
        : m.masks.map((x) => quantise(x.subarray(from * m.bins, to * m.bins), 0, 1))
    return {
      separationId,
      grid: { sampleRate: m.sampleRate, nFft: m.nFft, hop: m.hop, frames: m.frames, bins: m.bins },
      fromFrame: from,
      toFrame: to,
      masks,
    }
  }

  /**
   * Stem audio of a window of the file for playback: the engine's `synthesizeStems` (the
   * export's code) restricted to [from, to), which equals that slice of a whole-file synthesis,
   * so what you hear is what you export. It yields to the event loop every few ms.
   */
  async stems(
    { separationId, sources, range }: HostOps['stems']['args'],
    signal: AbortSignal,
    progress: Progress,
  ): Promise<HostOps['stems']['result']> {
    const s = this.ctx.separationById(separationId)
    const f = this.ctx.fileById(s.fileId)
    const length = f.audio.channels[0]?.length ?? 0
    const { from, to } = clampRange(range, length)
    const slot = new Map(sources.map((index, j) => [index, j]))
    const out = sources.map(() => f.audio.channels.map(() => new Float32Array(to - from)))
    const at = new Array<number>(s.masks.k).fill(0)
    let lastYield = performance.now()
    if (to > from) {
      await synthesizeStems(
        f.audio,
        masksOf(s),
        {
          write(source, block) {
            const n = block[0]?.length ?? 0
            const j = slot.get(source)
            if (j !== undefined) {
              const dst = out[j]!
              for (let c = 0; c < dst.length; c++) dst[c]!.set(block[c]!.subarray(0, n), at[source])
            }
            at[source]! += n
            const now = performance.now()
            if (now - lastYield > YIELD_EVERY_MS) {
              lastYield = now
              return yieldTurn()
            }
            return undefined
          },
        },
        {
          signal,
          range: { start: from, length: to - from },
          onProgress: (pr) => progress('synthesize', pr.fraction),
        },
      )
    }
    return {
      separationId,
      sampleRate: f.audio.sampleRate,
      fromSample: from,
      toSample: to,
      stems: sources.map((index, j) => ({ index, channels: out[j]! })),
    }
  }

  /**
   * The mixture through a selection or its complement (issue 17, "Listen to the selection"): the
   * export's synthesis with the two-source view of the selection as the masks, over the samples its
   * frames reach. Part 'selection' is stem 0 of that view, 'rest' stem 1; together they sum to the
   * mixture there.
   */
  async selectionAudio(
    { separationId, selection, part }: HostOps['selectionAudio']['args'],
    signal: AbortSignal,
  ): Promise<HostOps['selectionAudio']['result']> {
    const s = this.ctx.separationById(separationId)
    const f = this.ctx.fileById(s.fileId)
    try {
      checkSelection(selection, s.masks)
    } catch (e) {
      throw new CodedError('invalid-argument', (e as Error).message)
    }
    const length = f.audio.channels[0]?.length ?? 0
    const { masks: _, ...grid } = s.masks
    const range = touchedSampleRange(
      grid,
      { frameStart: selection.frame0, frameEnd: selection.frame0 + selection.frames },
      f.audio.sampleRate,
      length,
    )
    const want = part === 'selection' ? 0 : 1
    const out = f.audio.channels.map(() => new Float32Array(range.length))
    let at = 0
    let lastYield = performance.now()
    if (range.length > 0 && selection.frames > 0)
      await synthesizeFromRows(
        f.audio,
        selectionMaskRows(grid, selection),
        {
          write(source, block) {
            const n = block[0]?.length ?? 0
            if (source !== want) return undefined
            for (let c = 0; c < out.length; c++) out[c]!.set(block[c]!.subarray(0, n), at)
            at += n
            const now = performance.now()
            if (now - lastYield > YIELD_EVERY_MS) {
              lastYield = now
              return yieldTurn()
            }
            return undefined
          },
        },
        { signal, range },
      )
    return {
      separationId,
      sampleRate: f.audio.sampleRate,
      fromSample: range.start,
      toSample: range.start + range.length,
      stems: [{ index: want, channels: out }],
    }
  }

  /** The `export` request: the chosen stems of a separation written to files (src/node/stem-export). */
  async export(
    { separationId, targets, format, bits, force }: HostOps['export']['args'],
    signal: AbortSignal,
    progress: Progress,
  ): Promise<HostOps['export']['result']> {
    const s = this.ctx.separationById(separationId)
    const f = this.ctx.fileById(s.fileId)
    const t0 = performance.now()
    const written = await writeStems(
      f.audio,
      targets.map((t) => ({ source: t.index, path: t.path })),
      { format, bits, force, protect: [f.path], openFirst: true },
      (sink) =>
        synthesizeStems(f.audio, masksOf(s), sink, {
          signal,
          onProgress: (pr) => progress('synthesize', pr.fraction),
        }),
    )
    const t2 = performance.now()
    const t1 = t2 - written.commitSec * 1000
    return {
      timingsSec: {
        synthesizeAndEncode: (t1 - t0) / 1000,
        commit: (t2 - t1) / 1000,
        total: (t2 - t0) / 1000,
      },
    }
  }
}
