/**
 * The WebAudio graph of playback: the mixture bus (A) and the sources bus (B) into one master, one
 * gain per source on the sources bus, and the per-source solo / mute / gain rule.
 */

/** Per-source mixer settings. */
export interface SourceMix {
  solo: boolean
  mute: boolean
  /** Linear gain, 0..2 (1 = unity). */
  gain: number
}

/** The WebAudio subset Playback uses (a fake implements it in tests). */
export type AudioContextLike = Pick<
  AudioContext,
  | 'currentTime'
  | 'destination'
  | 'state'
  | 'resume'
  | 'suspend'
  | 'close'
  | 'createGain'
  | 'createBuffer'
  | 'createBufferSource'
>

/** Gain ramp time constant for click-free changes, seconds. */
const RAMP = 0.01

/** The gain each source plays at: mute wins, then solo (if any source is soloed), then gain. */
export function effectiveGains(mix: readonly SourceMix[]): number[] {
  const anySolo = mix.some((m) => m.solo)
  return mix.map((m) => (m.mute ? 0 : anySolo && !m.solo ? 0 : m.gain))
}

/** The audio context (made on first use) and its buses and source gains. */
export class Mixer {
  readonly #createContext: () => AudioContextLike
  #ctx: AudioContextLike | null = null
  #mixtureBus: GainNode | null = null
  #sourcesBus: GainNode | null = null
  #sourceGains: GainNode[] = []

  constructor(createContext: () => AudioContextLike) {
    this.#createContext = createContext
  }

  /** The audio context, if made yet. */
  get context(): AudioContextLike | null {
    return this.#ctx
  }

  /** Where the mixture's nodes connect (after ensure()). */
  get mixtureBus(): GainNode {
    return this.#mixtureBus!
  }

  /** Where source i's nodes connect, if it has a gain. */
  sourceGain(i: number): GainNode | undefined {
    return this.#sourceGains[i]
  }

  /** The audio context and its graph, made now if needed with `k` source gains. */
  ensure(k: number): AudioContextLike {
    if (this.#ctx) return this.#ctx
    const ctx = this.#createContext()
    this.#ctx = ctx
    const master = ctx.createGain()
    master.connect(ctx.destination)
    this.#mixtureBus = ctx.createGain()
    this.#mixtureBus.connect(master)
    this.#sourcesBus = ctx.createGain()
    this.#sourcesBus.connect(master)
    this.setSourceCount(k)
    return ctx
  }

  /** One gain per source (k of them), replacing the old ones; nothing before the context exists. */
  setSourceCount(k: number): void {
    const ctx = this.#ctx
    if (!ctx || !this.#sourcesBus) return
    for (const g of this.#sourceGains) g.disconnect()
    this.#sourceGains = Array.from({ length: k }, () => {
      const g = ctx.createGain()
      g.connect(this.#sourcesBus!)
      return g
    })
  }

  /** Hears the sources (B) or the mixture (A), the sources at `gains`, ramped from `at` on. */
  apply(sources: boolean, gains: number[], at?: number): void {
    const ctx = this.#ctx
    if (!ctx) return
    const t = Math.max(ctx.currentTime, at ?? 0)
    this.#mixtureBus?.gain.setTargetAtTime(sources ? 0 : 1, t, RAMP)
    this.#sourcesBus?.gain.setTargetAtTime(sources ? 1 : 0, t, RAMP)
    this.#sourceGains.forEach((g, i) => g.gain.setTargetAtTime(gains[i] ?? 0, t, RAMP))
  }

  /** Releases the audio context. */
  async close(): Promise<void> {
    const ctx = this.#ctx
    this.#ctx = null
    if (ctx) await ctx.close().catch(() => {})
  }
}
