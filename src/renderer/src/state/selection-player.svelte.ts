/**
 * "Listen to the selection" (issue 17): plays only the selected bins of the mixture, or everything
 * but them, looped. Main makes the audio with the export's mask code (the selection is the mask;
 * see `getSelectionAudio`); this class only fetches and loops it.
 */
import type { Selection } from '../../../engine/index'
import { isCancelled, type Backend } from '../lib/backend'
import type { AudioContextLike } from './playback.svelte'

/** What is looped: the selected bins, or everything but them. */
export type SelectionPart = 'selection' | 'rest'

export class SelectionPlayer {
  /** The part looping now, or null. */
  playing = $state<SelectionPart | null>(null)
  /** True while main makes the audio. */
  loading = $state(false)

  #backend: Backend
  #createContext: () => AudioContextLike
  #ctx: AudioContextLike | null = null
  #node: AudioBufferSourceNode | null = null
  #token = 0
  #onError: (e: unknown) => void

  constructor(
    backend: Backend,
    createContext: () => AudioContextLike,
    onError: (e: unknown) => void = () => {},
  ) {
    this.#backend = backend
    this.#createContext = createContext
    this.#onError = onError
  }

  /** Loops `part` of a selection of a separation; replaces what loops now. */
  async play(separationId: string, selection: Selection, part: SelectionPart): Promise<void> {
    this.stop()
    const token = ++this.#token
    this.loading = true
    try {
      const a = await this.#backend.call('getSelectionAudio', { separationId, selection, part })
      if (token !== this.#token) return
      const ctx = (this.#ctx ??= this.#createContext())
      if (ctx.state === 'suspended') await ctx.resume()
      const channels = a.stems[0]?.channels ?? []
      const n = channels[0]?.length ?? 0
      if (n === 0 || token !== this.#token) return
      const buf = ctx.createBuffer(channels.length, n, a.sampleRate)
      channels.forEach((c, ch) => buf.copyToChannel(c as Float32Array<ArrayBuffer>, ch))
      const node = ctx.createBufferSource()
      node.buffer = buf
      node.loop = true
      node.connect(ctx.destination)
      node.start()
      this.#node = node
      this.playing = part
      // what loops, for tests and the curious: where it starts, how long, and its energy
      let energy = 0
      for (const c of channels) for (let i = 0; i < c.length; i++) energy += c[i] * c[i]
      performance.mark?.('selection:playing', {
        detail: { part, fromSample: a.fromSample, samples: n, energy },
      })
    } catch (e) {
      if (!isCancelled(e)) this.#onError(e)
    } finally {
      if (token === this.#token) this.loading = false
    }
  }

  /** Stops the loop (and any audio on its way). */
  stop(): void {
    this.#token++
    this.loading = false
    try {
      this.#node?.stop()
    } catch {
      // never started
    }
    this.#node?.disconnect()
    this.#node = null
    this.playing = null
  }
}
