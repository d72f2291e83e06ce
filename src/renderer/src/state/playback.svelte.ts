import { isCancelled, type Backend } from '../lib/backend'
import { BLOCK_SEC, BlockCache, type Block } from './playback-blocks'
import { effectiveGains, Mixer, type AudioContextLike, type SourceMix } from './playback-mixer'
import { nextSpan, stopSegments, type LoopRegion, type Segment } from './playback-schedule'

export { BLOCK_SEC } from './playback-blocks'
export { effectiveGains, type AudioContextLike, type SourceMix } from './playback-mixer'
export type { LoopRegion } from './playback-schedule'

/** What is heard: the original mixture (A) or the mix of the chosen sources (B). */
export type Listen = 'mixture' | 'sources'

/** Seconds scheduled ahead of the playhead. */
export const LOOKAHEAD_SEC = 1.5
/** How far ahead of the audio clock a (re)started segment is scheduled, seconds. */
const START_LEAD_SEC = 0.02

/**
 * WebAudio playback of the mixture or of the separated sources: play, pause, seek, loop a region,
 * per-source solo / mute / gain, and A/B between the mixture and the chosen sources. Audio comes
 * from main in 1-second blocks of the mixture and of the stems made by the engine's mask code (the export's), scheduled
 * ahead of the playhead, so a 30-minute file plays without holding its stems in the renderer.
 * The audio graph is playback-mixer.ts, the blocks playback-blocks.ts, the segment maths
 * playback-schedule.ts; this class is the transport and the scheduler.
 */
export class Playback {
  playing = $state(false)
  /** Playhead, seconds. */
  position = $state(0)
  loop = $state.raw<LoopRegion | null>(null)
  loopEnabled = $state(false)
  mix = $state.raw<SourceMix[]>([])
  listen = $state<Listen>('mixture')
  /** True while the first block of a play() is on its way. */
  buffering = $state(false)
  /** True while the mixture plays in place of sources whose stems main is still building. */
  fallback = $state(false)
  /** 0..1 while main builds the stems of a new separation for playback, else null. */
  preparing = $state<number | null>(null)
  /** Length of the file, seconds. */
  durationSec = $state(0)

  #backend: Backend
  readonly #mixer: Mixer
  readonly #blocks: BlockCache
  #sampleRate = 0
  #prepareTask: string | null = null
  #fileId: string | null = null
  #separationId: string | null = null
  #k = 0
  #playToken = 0
  /** An edit restarted playback: the next stems scheduled carry the edit. */
  #afterEdit = false
  #segments: Segment[] = []
  #scheduledUntil = 0
  #nextFileSec = 0
  #pumping = false
  #ended = false
  #timer: ReturnType<typeof setInterval> | null = null
  #onError: (e: unknown) => void

  constructor(
    backend: Backend,
    createContext: () => AudioContextLike,
    onError: (e: unknown) => void = () => {},
  ) {
    this.#backend = backend
    this.#mixer = new Mixer(createContext)
    this.#blocks = new BlockCache(
      backend,
      () => this.#ensureContext(),
      () => ({
        fileId: this.#fileId,
        separationId: this.#separationId,
        k: this.#k,
        sampleRate: this.#sampleRate,
        durationSec: this.durationSec,
      }),
    )
    this.#onError = onError
  }

  readonly gains = $derived(effectiveGains(this.mix))
  readonly anySolo = $derived(this.mix.some((m) => m.solo))
  readonly hasSources = $derived(this.mix.length > 0)

  /** A new file: stops, forgets blocks and mixer settings. */
  setMedia(fileId: string | null, sampleRate: number, durationSec: number): void {
    this.stop()
    this.#cancelPrepare()
    this.#fileId = fileId
    this.#separationId = null
    this.#sampleRate = sampleRate
    this.durationSec = durationSec
    this.#k = 0
    this.mix = []
    this.listen = 'mixture'
    this.loop = null
    this.loopEnabled = false
    this.position = 0
    this.#invalidateAll()
  }

  /** The separation now has k sources (new stems): keeps mixer settings by index, restarts blocks. */
  setSources(separationId: string | null, k: number): void {
    if (separationId !== this.#separationId) this.#cancelPrepare()
    this.#separationId = separationId
    if (!separationId) k = 0
    const mix = Array.from(
      { length: k },
      (_, i) => this.mix[i] ?? { solo: false, mute: false, gain: 1 },
    )
    this.mix = mix
    const hadSources = this.#k > 0
    this.#k = k
    if (k === 0) this.listen = 'mixture'
    else if (!hadSources) this.listen = 'sources'
    this.#invalidateAll()
    this.#rebuildSourceGains()
    if (this.playing) this.#restart(this.currentTime())
  }

  /**
   * Asks main to build the stems of the current separation now (its first stem read synthesizes
   * them all), so that playing a source starts at once; progress in `preparing`.
   */
  async prepareStems(): Promise<void> {
    const separationId = this.#separationId
    if (!separationId || this.#k === 0) return
    this.#cancelPrepare()
    const taskId = this.#backend.taskId('stems')
    this.#prepareTask = taskId
    const off = this.#backend.onProgress(taskId, (p) => {
      if (this.#separationId === separationId) this.preparing = p.fraction
    })
    this.preparing = 0
    try {
      await this.#backend.call('getStemAudio', {
        separationId,
        sources: [0],
        range: { from: 0, to: 1 },
        taskId,
      })
    } catch (e) {
      if (this.#separationId === separationId && !isCancelled(e)) this.#onError(e)
    } finally {
      off()
      if (this.#prepareTask === taskId) this.#prepareTask = null
      if (this.#separationId === separationId) this.preparing = null
    }
  }

  /** Stops building stems nobody will play (a new count or file): frees the engine for the next job. */
  cancelStemBuild(): void {
    this.#cancelPrepare()
  }

  #cancelPrepare(): void {
    const taskId = this.#prepareTask
    if (!taskId) return
    this.#prepareTask = null
    this.preparing = null
    void this.#backend.call('cancelTask', { taskId }).catch(() => {})
  }

  /**
   * The stems changed between these times (an edit): blocks there are read again, and what is
   * already scheduled there is replaced from the playhead on (an edit elsewhere leaves the sound
   * alone). The first stems scheduled after such a restart are marked `playback:stems` with
   * `detail.afterEdit` (the e2e measures edit -> audible with it).
   */
  invalidate(startSec = 0, endSec = Infinity): void {
    const first = Math.floor(startSec / BLOCK_SEC)
    const last = Math.floor(Math.min(endSec, this.durationSec) / BLOCK_SEC)
    // the mixture does not change with an edit: those blocks keep it and read the stems again
    // when they are next needed
    this.#blocks.staleStems(first, last)
    if (!this.playing) return
    const now = this.currentTime()
    const heard = this.#segments.some(
      (g) => g.fileStart + g.duration > Math.max(now, startSec) && g.fileStart < endSec,
    )
    if (!heard) return
    // the old sound plays on until the new stems at the playhead are here, then they take over
    const token = this.#playToken
    const at = Math.floor(Math.min(now, this.durationSec - 1e-6) / BLOCK_SEC)
    void this.#blocks
      .get(at)
      .then((b) => b.sourcesReady)
      .then(
        () => {
          if (token !== this.#playToken || !this.playing) return
          this.#afterEdit = true
          this.#restart(this.currentTime() + START_LEAD_SEC, START_LEAD_SEC)
        },
        () => {}, // a failed read is reported when the pump reaches it
      )
  }

  /** Starts playing from the playhead (from the start when at the end, or the loop start when looping). */
  async play(): Promise<void> {
    if (this.playing || this.#sampleRate === 0) return
    const ctx = this.#ensureContext()
    if (ctx.state === 'suspended') await ctx.resume()
    let from = this.position
    if (from >= this.durationSec - 1e-3) from = 0
    if (this.#activeLoop() && (from < this.loop!.startSec || from >= this.loop!.endSec))
      from = this.loop!.startSec
    this.position = from
    this.playing = true
    this.#restart(from)
    this.#timer ??= setInterval(() => this.#tick(), 40)
  }

  /** Stops playing; the playhead stays where it is. */
  pause(): void {
    if (!this.playing) return
    this.position = this.currentTime()
    this.#stopNodes()
    this.playing = false
    this.buffering = false
    this.#clearTimer()
  }

  /** Play or pause. */
  async toggle(): Promise<void> {
    if (this.playing) this.pause()
    else await this.play()
  }

  /** Stops and returns the playhead to the start. */
  stop(): void {
    this.pause()
    this.position = 0
  }

  /** Moves the playhead (keeps playing if playing). */
  seek(sec: number): void {
    const t = Math.min(Math.max(0, sec), this.durationSec || 0)
    this.position = t
    if (this.playing) this.#restart(t)
  }

  /** Current playhead time, seconds, read from the audio clock while playing. */
  currentTime(): number {
    const ctx = this.#mixer.context
    if (!this.playing || !ctx) return this.position
    const now = ctx.currentTime
    for (let i = this.#segments.length - 1; i >= 0; i--) {
      const s = this.#segments[i]
      if (now >= s.ctxStart) return s.fileStart + Math.min(now - s.ctxStart, s.duration)
    }
    return this.#segments.length > 0 ? this.#segments[0].fileStart : this.position
  }

  /** Sets the loop region (ordered, clamped); a region shorter than 10 ms clears it. */
  setLoop(startSec: number, endSec: number): void {
    const a = Math.max(0, Math.min(startSec, endSec))
    const b = Math.min(this.durationSec || Infinity, Math.max(startSec, endSec))
    this.loop = b - a >= 0.01 ? { startSec: a, endSec: b } : null
    if (!this.loop) this.loopEnabled = false
    if (this.playing) this.#restart(this.currentTime())
  }

  /** Turns looping of the region on or off (on needs a region). */
  setLoopEnabled(on: boolean): void {
    this.loopEnabled = on && this.loop !== null
    if (this.playing) this.#restart(this.currentTime())
  }

  /** Toggles solo of one source (additive, like a mixer's S button). */
  toggleSolo(i: number): void {
    this.#updateMix(i, (m) => ({ ...m, solo: !m.solo }))
  }

  /** Solos only this source, or clears the solos when it already was the only one (keys 1-9). */
  soloExclusive(i: number): void {
    if (i < 0 || i >= this.mix.length) return
    const only = this.mix.every((m, j) => m.solo === (j === i))
    this.mix = this.mix.map((m, j) => ({ ...m, solo: only ? false : j === i }))
    this.listen = 'sources'
    this.#applyGains()
  }

  /** Toggles mute of one source. */
  toggleMute(i: number): void {
    this.#updateMix(i, (m) => ({ ...m, mute: !m.mute }))
  }

  /** Sets one source's linear gain (0..2). */
  setGain(i: number, gain: number): void {
    const g = Math.min(2, Math.max(0, Number.isFinite(gain) ? gain : 1))
    this.#updateMix(i, (m) => ({ ...m, gain: g }))
  }

  /** Chooses A (mixture) or B (sources); B needs a separation. */
  setListen(l: Listen): void {
    this.listen = l === 'sources' && this.mix.length === 0 ? 'mixture' : l
    this.#applyGains()
  }

  /** Switches between A and B. */
  toggleListen(): void {
    this.setListen(this.listen === 'mixture' ? 'sources' : 'mixture')
  }

  /** Stops audio and releases the AudioContext. */
  async dispose(): Promise<void> {
    this.pause()
    await this.#mixer.close()
  }

  #activeLoop(): boolean {
    return this.loopEnabled && this.loop !== null
  }

  #updateMix(i: number, f: (m: SourceMix) => SourceMix): void {
    if (i < 0 || i >= this.mix.length) return
    this.mix = this.mix.map((m, j) => (j === i ? f(m) : m))
    this.listen = 'sources'
    this.#applyGains()
  }

  /** The audio context, made with its graph on first use. */
  #ensureContext(): AudioContextLike {
    const fresh = !this.#mixer.context
    const ctx = this.#mixer.ensure(this.#k)
    if (fresh) this.#applyGains()
    return ctx
  }

  #rebuildSourceGains(): void {
    if (!this.#mixer.context) return
    this.#mixer.setSourceCount(this.#k)
    this.#applyGains()
  }

  /** Plays the mixture in place of the sources while their stems are being built (from `at`). */
  #setFallback(on: boolean, at?: number): void {
    if (this.fallback === on) return
    this.fallback = on
    this.#applyGains(at)
  }

  #applyGains(at?: number): void {
    const sources = this.listen === 'sources' && this.#k > 0 && !this.fallback
    this.#mixer.apply(sources, effectiveGains(this.mix), at)
  }

  #invalidateAll(): void {
    this.#blocks.clear()
  }

  /** Plays from `fromSec`; what is playing stops at once, or `stopInSec` from now (a seamless switch). */
  #restart(fromSec: number, stopInSec = 0): void {
    this.#stopNodes(stopInSec)
    this.fallback = false
    this.#applyGains()
    const token = ++this.#playToken
    this.#nextFileSec = fromSec
    this.#ended = false
    this.#scheduledUntil = 0
    this.buffering = true
    void this.#pump(token)
  }

  /** Marks stems scheduled to sound at context time `when` (file time `fileSec`). */
  #markStems(ctx: AudioContextLike, when: number, fileSec: number): void {
    const audibleAt = performance.now() + Math.max(0, when - ctx.currentTime) * 1000
    performance.mark?.('playback:stems', {
      detail: { audibleAt, fileSec, afterEdit: this.#afterEdit },
    })
    this.#afterEdit = false
  }

  /** Stops every scheduled segment now, or `inSec` from now (left connected until then). */
  #stopNodes(inSec = 0): void {
    this.#playToken++
    const ctx = this.#mixer.context
    stopSegments(this.#segments, inSec > 0 && ctx ? ctx.currentTime + inSec : 0)
    this.#segments = []
  }

  #clearTimer(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
  }

  async #pump(token: number): Promise<void> {
    if (this.#pumping) return
    this.#pumping = true
    try {
      const ctx = this.#mixer.context
      while (ctx && token === this.#playToken && this.playing) {
        if (this.#segments.length > 0 && this.#scheduledUntil - ctx.currentTime > LOOKAHEAD_SEC)
          break
        const span = nextSpan(
          this.#nextFileSec,
          this.#activeLoop() ? this.loop : null,
          this.durationSec,
        )
        if (!span) {
          this.#ended = true
          break
        }
        const gen = this.#blocks.generation
        const block: Block = await this.#blocks.get(span.block)
        if (token !== this.#playToken || !this.playing) return
        if (gen !== this.#blocks.generation) continue
        // read the next block while this one plays
        if ((span.block + 1) * BLOCK_SEC < this.durationSec)
          void this.#blocks.get(span.block + 1).catch(() => {})
        const when = Math.max(this.#scheduledUntil, ctx.currentTime + START_LEAD_SEC)
        const offset = span.start - span.block * BLOCK_SEC
        const duration = Math.min(span.end - span.start, block.length / this.#sampleRate - offset)
        if (duration <= 0) {
          this.#nextFileSec = span.end
          continue
        }
        const nodes: AudioBufferSourceNode[] = []
        const startNode = (buf: AudioBuffer, dest: AudioNode) => {
          const n = ctx.createBufferSource()
          n.buffer = buf
          n.connect(dest)
          n.start(when, offset, duration)
          nodes.push(n)
        }
        startNode(block.mixture, this.#mixer.mixtureBus)
        if (block.sources) {
          block.sources.forEach((b, i) => {
            const g = this.#mixer.sourceGain(i)
            if (g) startNode(b, g)
          })
          this.#markStems(ctx, when, span.start)
        } else {
          // stems still being built: the mixture plays meanwhile, the stems join when they come
          this.#setFallback(true)
          block.sourcesReady.then(
            (sources) => {
              const now = this.#mixer.context
              if (token !== this.#playToken || !now || gen !== this.#blocks.generation) return
              const late = Math.max(when, now.currentTime + 0.03)
              const skip = late - when
              if (skip < duration) {
                sources.forEach((b, i) => {
                  const g = this.#mixer.sourceGain(i)
                  if (!g) return
                  const n = ctx.createBufferSource()
                  n.buffer = b
                  n.connect(g)
                  n.start(late, offset + skip, duration - skip)
                  nodes.push(n)
                })
                this.#markStems(ctx, late, span.start + skip)
              }
              this.#setFallback(false, late)
            },
            (e: unknown) => {
              if (token === this.#playToken) {
                this.pause()
                this.#onError(e)
              }
            },
          )
        }
        this.#segments.push({ ctxStart: when, fileStart: span.start, duration, nodes })
        if (this.#segments.length > 8) this.#segments.shift()
        this.#scheduledUntil = when + duration
        this.#nextFileSec = span.start + duration
        this.buffering = false
      }
    } catch (e) {
      if (token === this.#playToken) {
        this.pause()
        this.#onError(e)
      }
    } finally {
      this.#pumping = false
      // a restart may have happened while a block was on its way
      if (token !== this.#playToken && this.playing) void this.#pump(this.#playToken)
    }
  }

  #tick(): void {
    const ctx = this.#mixer.context
    if (!this.playing || !ctx) return
    const t = this.currentTime()
    this.position = t
    if (this.#ended && ctx.currentTime >= this.#scheduledUntil) {
      this.pause()
      this.position = this.durationSec
      return
    }
    void this.#pump(this.#playToken)
  }
}
