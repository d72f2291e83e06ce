/**
 * Mask editing in the engine process (issue 5): the engine process keeps the authoritative
 * EditableMasks of each separation; edits, undo and redo, the embedding wand and re-clustering
 * with the edits as constraints.
 */
import {
  checkSelection,
  EditableMasks,
  EditablePreparation,
  EmbeddingWand,
  reclusterWithEdits,
  sourceMasks,
  type Analysis,
  type TouchedRange,
} from '../engine/index'
import { CodedError } from '../shared/errors'
import type { HostOps } from '../shared/engine-protocol'
import type { Analyses } from './analyses'
import { hostSeparation, yieldTurn, YIELD_EVERY_MS } from './host-context'
import type { HostContext, Progress, Separation } from './host-context'
import { invalidateEnergy } from './stem-energy'

/** Editors are prepared ahead (idle time) while the masks take at most this much (k x frames x bins x 4). */
const PREPARE_EDITOR_MAX_BYTES = 160 * 1024 * 1024

/** Edits of the separations' masks. */
export class Editing {
  constructor(
    readonly ctx: HostContext,
    readonly analyses: Analyses,
  ) {}

  /**
   * Makes the newest separation's editor in idle time, a slice at a time (a 3-minute song's masks
   * take a few hundred ms to put on the canonical grid on a slow machine: not while the user waits
   * for the first stroke to sound). Older separations drop theirs (memory).
   */
  prepareEditor(s: Separation): void {
    for (const o of this.ctx.separations) if (o !== s) delete o.preparation
    const m = s.masks
    if (s.editor || s.preparation || m.k * m.frames * m.bins * 4 > PREPARE_EDITOR_MAX_BYTES) return
    const prep = new EditablePreparation(m)
    s.preparation = prep
    void (async () => {
      for (;;) {
        await this.ctx.idle()
        if (s.preparation !== prep || !this.ctx.separations.includes(s)) return
        if (prep.step(YIELD_EVERY_MS)) return
      }
    })()
  }

  /** The separation's editor, made now if there is none yet (finishing its preparation, if any). */
  #editorOf(s: Separation): EditableMasks {
    if (!s.editor) {
      s.editor = s.preparation ? s.preparation.finish() : new EditableMasks(s.masks)
      delete s.preparation
      // playback and export now use the editor's masks (stored in its own precision): every
      // block's energy is made again from them
      delete s.energy
    }
    return s.editor
  }

  /** The `edit` request: applies a command, or undoes or redoes one. */
  edit({ separationId, op }: HostOps['edit']['args']): HostOps['edit']['result'] {
    const s = this.ctx.separationById(separationId)
    const editor = this.#editorOf(s)
    let touched: TouchedRange | null
    try {
      touched =
        op.type === 'apply'
          ? editor.edit(op.command)
          : op.type === 'undo'
            ? editor.undo()
            : editor.redo()
    } catch (e) {
      if (e instanceof RangeError) throw new CodedError('invalid-argument', e.message)
      throw e
    }
    if (touched) invalidateEnergy(s, this.ctx.fileById(s.fileId), touched)
    return { touched, undoDepth: editor.undoStack.length, redoDepth: editor.redoStack.length }
  }

  /** The analysis of a separation's file, made if needed (a project keeps masks, not embeddings). */
  async #analysisOfSeparation(
    s: Separation,
    signal: AbortSignal,
    progress: Progress,
  ): Promise<Analysis> {
    const { analysis } = await this.analyses.analysisFor(s.fileId, s.stereoCue, signal, progress)
    if (analysis.frames !== s.masks.frames || analysis.bins !== s.masks.bins) {
      throw new CodedError(
        'model',
        `This project's masks (${s.masks.frames} x ${s.masks.bins}) were made with another model grid than the current model's (${analysis.frames} x ${analysis.bins}); separate again to use the wand or re-clustering.`,
      )
    }
    if (s.clustering.dim > 0 && s.clustering.dim !== analysis.dim) {
      throw new CodedError(
        'model',
        `This project's clustering has ${s.clustering.dim} dimensions, the current model's analysis ${analysis.dim}: it was made with another model; separate again to use the wand or re-clustering.`,
      )
    }
    return analysis
  }

  /** The `wand` request: the bins whose embeddings are like the seed's. */
  async wand(
    { separationId, seed, share }: HostOps['wand']['args'],
    signal: AbortSignal,
    progress: Progress,
  ): Promise<HostOps['wand']['result']> {
    const s = this.ctx.separationById(separationId)
    const analysis = await this.#analysisOfSeparation(s, signal, progress)
    const key =
      'selection' in seed
        ? `sel:${seed.selection.frame0}:${seed.selection.frames}:${seed.selection.bin0}:${seed.selection.bins}:${checksum(seed.selection.weights)}`
        : `bin:${Math.round(seed.frame)}:${Math.round(seed.bin)}`
    const wandKey = `${s.stereoCue}:${key}`
    let w = this.ctx.wandCache
    if (!w || w.fileId !== s.fileId || w.key !== wandKey) {
      const wand = new EmbeddingWand(analysis)
      if ('selection' in seed) {
        try {
          checkSelection(seed.selection, s.masks)
        } catch (e) {
          throw new CodedError('invalid-argument', (e as Error).message)
        }
        wand.seedFromSelection(seed.selection)
      } else {
        wand.seedFromBin(seed.frame, seed.bin)
      }
      w = { fileId: s.fileId, key: wandKey, wand }
      this.ctx.wandCache = w
    }
    return w.wand.selectShare(share)
  }

  /** The `recluster` request: k-means again with the edited bins as constraints. */
  async recluster(
    { separationId, newSeparationId }: HostOps['recluster']['args'],
    signal: AbortSignal,
    progress: Progress,
  ): Promise<HostOps['recluster']['result']> {
    const s = this.ctx.separationById(separationId)
    if (s.clustering.dim === 0 || s.clustering.centroids.length === 0) {
      throw new CodedError(
        'invalid-argument',
        'This project was saved without its clustering; separate again to re-cluster with edits.',
      )
    }
    const analysis = await this.#analysisOfSeparation(s, signal, (st, fr) => progress(st, 0.8 * fr))
    progress('kmeans', 0.8)
    // (without edits: no constraints; the prepared editor, if any, serves)
    const editor = s.editor ?? s.preparation?.finish() ?? new EditableMasks(s.masks)
    const t0 = performance.now()
    const clustering = reclusterWithEdits(analysis, s.clustering, editor.assignedBins())
    const t1 = performance.now()
    await yieldTurn()
    const masks = sourceMasks(analysis, clustering, s.mode)
    const t2 = performance.now()
    signal.throwIfAborted()
    this.ctx.checkOpen(s.fileId)
    const timingsSec = { kmeans: (t1 - t0) / 1000, masks: (t2 - t1) / 1000 }
    const next: Separation = {
      id: newSeparationId,
      fileId: s.fileId,
      clustering,
      masks,
      entry: { clustering, masks, timingsSec },
      mode: s.mode,
      requestedSources: s.requestedSources,
      stereoCue: s.stereoCue,
      suggestion: s.suggestion,
      // The same history over the new automatic masks (commands address sources by index).
      editor: EditableMasks.fromHistory(masks, editor.undoStack, editor.redoStack),
      ...(s.project ? { project: s.project } : {}),
    }
    this.ctx.addSeparation(next)
    return hostSeparation(next, timingsSec)
  }
}

/** A quick 32-bit checksum of bytes (FNV-1a), to recognise a seed selection again. */
function checksum(b: Uint8Array): number {
  let h = 0x811c9dc5
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 16777619)
  return h >>> 0
}
