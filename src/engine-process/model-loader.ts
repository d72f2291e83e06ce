/**
 * The model and its embedder in the engine process: loaded once in the background at start, the
 * engine's state (starting, ready, failed) reported to main; a failure is forgotten, so the next
 * analysis tries again (e.g. after the model file appears).
 */
import type { Embedder } from '../engine/index'
import { loadModel } from '../node/index'
import type { HostConfig } from '../shared/engine-protocol'
import type { EngineStatus, ModelCard } from '../shared/ipc'
import type { ModelMetadata } from '../shared/model'
import { toErrorData } from './host-errors'

/** The embedder factory; the default imports src/node/onnx-embedder lazily. */
export type EmbedderFactory = (
  onnxPath: string,
  metadata: ModelMetadata,
  device: HostConfig['device'],
) => Promise<LoadedEmbedder>

/** An embedder with the execution provider that runs it and notes for the user. */
export interface LoadedEmbedder {
  embedder: Embedder
  provider: string
  notes: string[]
}

const defaultEmbedderFactory: EmbedderFactory = async (onnxPath, metadata, device) => {
  const { createOnnxEmbedder } = await import('../node/index')
  return createOnnxEmbedder(onnxPath, metadata, { device })
}

/** Loads the model and the embedder once, and keeps the engine's status. */
export class ModelLoader {
  #model: Promise<{ metadata: ModelMetadata; onnxPath: string }> | undefined
  #embedder: Promise<LoadedEmbedder> | undefined
  status: EngineStatus = { state: 'starting' }

  constructor(
    readonly config: HostConfig,
    readonly onStatus: (status: EngineStatus) => void,
    readonly embedderFactory: EmbedderFactory = defaultEmbedderFactory,
  ) {}

  /** The model's metadata and ONNX path (loaded once). */
  model(): Promise<{ metadata: ModelMetadata; onnxPath: string }> {
    const p = this.#model ?? loadModel(this.config.modelPath)
    this.#model = p
    return p
  }

  /** The model's card (what it can and cannot do) from its metadata; no ONNX session is made. */
  async card(): Promise<ModelCard> {
    const { metadata: m } = await this.model()
    return {
      name: m.name,
      version: m.version,
      steps: m.training?.steps ?? null,
      scores: (m.scores ?? []).map((x) => ({
        split: x.split,
        sources: x.sources,
        sisdri: x.sisdriModel,
        sisdriIbm: x.sisdriIbm,
      })),
    }
  }

  /** The embedder (made once); reports the engine's state when it is ready or has failed. */
  embedder(): Promise<LoadedEmbedder> {
    if (!this.#embedder) {
      const p = this.model().then(({ metadata, onnxPath }) =>
        this.embedderFactory(onnxPath, metadata, this.config.device),
      )
      this.#embedder = p
      p.then(
        async (e) => {
          const { metadata } = await this.model()
          this.#setStatus({
            state: 'ready',
            provider: e.provider,
            model: { name: metadata.name, version: metadata.version },
            ...(e.notes.length ? { message: e.notes.join(' ') } : {}),
          })
        },
        (err: unknown) => {
          // Forget the failure so a later analyse retries (e.g. after the model file appears).
          this.#embedder = undefined
          this.#model = undefined
          this.#setStatus({ state: 'failed', message: toErrorData(err).message })
        },
      )
    }
    return this.#embedder
  }

  #setStatus(status: EngineStatus): void {
    this.status = status
    this.onStatus(status)
  }
}
