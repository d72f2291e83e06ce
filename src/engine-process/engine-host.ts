/**
 * The engine host: runs the separation engine and the onnxruntime embedder off the UI and main
 * threads. It lives in the Electron utility process (src/engine-process/utility-entry.ts) or, in
 * the test bridge, in a forked Node process; both feed it `ToHost` messages and forward what it
 * posts. No Electron import here.
 *
 * This file is the dispatcher: each request goes to the unit whose job it is (file-views.ts: the
 * open file and its display; analyses.ts: analysis and clustering caches; separations.ts: masks,
 * playback stems and export; editing.ts: edits, wand, re-clustering; projects.ts: `.unweave`
 * files), all sharing one HostContext (host-context.ts). Results and errors go back as data.
 */
import type {
  BulkMessage,
  FromHost,
  HostConfig,
  HostOp,
  HostOps,
  ToHost,
} from '../shared/engine-protocol'
import { Analyses } from './analyses'
import { ClusterPool } from './cluster-pool'
import { Editing } from './editing'
import { FileViews } from './file-views'
import { HostContext, type Progress } from './host-context'
import { toErrorData } from './host-errors'
import { ModelLoader, type EmbedderFactory } from './model-loader'
import { Projects } from './projects'
import { Separations } from './separations'
import { stemEnergyShares } from './stem-energy'

export type { EmbedderFactory } from './model-loader'

/** Where the host's messages go. */
export interface HostOutlet {
  /** To main (results, progress, status). */
  post(msg: FromHost): void
  /** To the renderer over the engine port (Electron); absent when results go back through main. */
  postBulk?(msg: BulkMessage, transfer: ArrayBuffer[]): void
}

/** What runs one operation: its arguments, the request's signal and its progress callback. */
type Handler<O extends HostOp> = (
  args: HostOps[O]['args'],
  signal: AbortSignal,
  progress: Progress,
) => unknown

/** Requests that do not hold background work back (stem synthesis yields often by itself). */
const BACKGROUND_FRIENDLY: ReadonlySet<HostOp> = new Set([
  'stems',
  'status',
  'modelCard',
  'energyShares',
])

/** The engine host's request handler. */
export class EngineHost {
  readonly #out: HostOutlet
  readonly #ctx: HostContext
  readonly #model: ModelLoader
  readonly #files: FileViews
  readonly #analyses: Analyses
  readonly #editing: Editing
  readonly #separations: Separations
  readonly #projects: Projects
  readonly #running = new Map<number, AbortController>()

  constructor(out: HostOutlet, config: HostConfig, embedderFactory?: EmbedderFactory) {
    this.#out = out
    this.#model = new ModelLoader(
      config,
      (status) => this.#out.post({ type: 'status', status }),
      embedderFactory,
    )
    this.#ctx = new HostContext(new ClusterPool(config.clusterWorker), this.#model)
    this.#files = new FileViews(this.#ctx)
    this.#analyses = new Analyses(this.#ctx)
    this.#editing = new Editing(this.#ctx, this.#analyses)
    this.#separations = new Separations(this.#ctx, this.#analyses, this.#editing)
    this.#projects = new Projects(this.#ctx, this.#files)
  }

  /** Loads the model in the background and reports the engine's state. */
  start(): void {
    this.#model.embedder().then(
      () => undefined,
      () => undefined, // reported through status; analyse() reports it again
    )
  }

  /** Handles one message from main. */
  handle(msg: ToHost): void {
    if (msg.type === 'cancel') {
      this.#running.get(msg.id)?.abort()
      return
    }
    if (msg.type !== 'request') return // 'renderer-port' is the entry's business
    const controller = new AbortController()
    this.#running.set(msg.id, controller)
    const interactive = !BACKGROUND_FRIENDLY.has(msg.op)
    if (interactive) this.#ctx.interactive++
    const other = msg.op !== 'energyShares'
    if (other) this.#ctx.othersRunning++
    const { id, bulkId } = msg
    const progress: Progress = (stage, fraction) =>
      this.#out.post({ type: 'progress', id, stage, fraction: clamp01(fraction) })
    this.#run(msg.op, msg.args, controller.signal, progress)
      .then(
        (value) => {
          if (bulkId !== undefined && this.#out.postBulk) {
            this.#out.postBulk({ bulkId, type: 'result', value }, transferablesOf(value))
            this.#out.post({ type: 'result', id, value: { bulkId } })
          } else {
            this.#out.post({ type: 'result', id, value })
          }
        },
        (e: unknown) => {
          const { code, message } = toErrorData(e, controller.signal)
          if (bulkId !== undefined && this.#out.postBulk) {
            this.#out.postBulk({ bulkId, type: 'error', code, message }, [])
          }
          this.#out.post({ type: 'error', id, code, message })
        },
      )
      .finally(() => {
        this.#running.delete(id)
        if (other) this.#ctx.othersRunning--
        if (interactive) {
          this.#ctx.interactive--
          this.#ctx.lastInteractiveEnd = performance.now()
        }
      })
  }

  /** The unit and method that does each operation. */
  readonly #handlers: { [O in HostOp]: Handler<O> } = {
    open: (args, _signal, progress) => this.#files.open(args, progress),
    spectrogram: (args) => this.#files.spectrogram(args),
    peaks: (args) => this.#files.peaks(args),
    audio: (args) => this.#files.audio(args),
    analyse: (args, signal, progress) => this.#analyses.analyse(args, signal, progress),
    cluster: (args, signal, progress) => this.#separations.cluster(args, signal, progress),
    masks: (args) => this.#separations.masks(args),
    stems: (args, signal, progress) => this.#separations.stems(args, signal, progress),
    selectionAudio: (args, signal) => this.#separations.selectionAudio(args, signal),
    export: (args, signal, progress) => this.#separations.export(args, signal, progress),
    status: () => this.#model.status,
    modelCard: () => this.#model.card(),
    edit: (args) => this.#editing.edit(args),
    energyShares: ({ separationId }, signal) => {
      const s = this.#ctx.separationById(separationId)
      // each block when no other request runs (playback's stems included) and main's editor is
      // made (the first stroke waits for it): the meters come last
      const idle = async (): Promise<void> => {
        await this.#ctx.idle()
        while (
          (this.#ctx.othersRunning > 0 ||
            this.#ctx.separations.some((x) => x.preparation && !x.preparation.done)) &&
          !signal.aborted
        ) {
          await new Promise((r) => setTimeout(r, 20))
          await this.#ctx.idle()
        }
      }
      return stemEnergyShares(s, this.#ctx.fileById(s.fileId), signal, idle)
    },
    wand: (args, signal, progress) => this.#editing.wand(args, signal, progress),
    recluster: (args, signal, progress) => this.#editing.recluster(args, signal, progress),
    saveProject: (args) => this.#projects.save(args),
    openProject: (args, _signal, progress) => this.#projects.open(args, progress),
    locateProject: (args, _signal, progress) => this.#projects.locate(args, progress),
  }

  /** Runs one operation on the unit whose job it is (a throw becomes a rejection). */
  async #run(
    op: HostOp,
    args: HostOps[HostOp]['args'],
    signal: AbortSignal,
    progress: Progress,
  ): Promise<unknown> {
    const handler = this.#handlers[op] as Handler<HostOp>
    return handler(args, signal, progress)
  }
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0
}

/** The ArrayBuffers of every typed array inside a result (for transfer lists). */
export function transferablesOf(value: unknown): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>()
  const visit = (v: unknown, depth: number): void => {
    if (depth > 6 || v === null || typeof v !== 'object') return
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer) out.add(v.buffer)
      return
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) visit(x, depth + 1)
  }
  visit(value, 0)
  return [...out]
}
