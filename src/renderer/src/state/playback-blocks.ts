/**
 * The blocks playback reads from main: 1 s of the mixture and of every source's stem on a fixed
 * grid (so looping reuses them), a few kept (least recently used out). An edit makes the stems of
 * some blocks stale: those keep their mixture and read their stems again.
 */
import type { Backend } from '../lib/backend'
import type { AudioContextLike } from './playback-mixer'

/** Seconds of audio per block read from main (a fixed grid, so blocks are reused when looping). */
export const BLOCK_SEC = 1
/** Cached blocks kept at most. */
const MAX_CACHED_BLOCKS = 24

/** One block of audio. */
export interface Block {
  /** Length in samples. */
  length: number
  mixture: AudioBuffer
  /** One buffer per source (empty before a separation), once main has them. */
  sources: AudioBuffer[] | null
  /** Resolves when `sources` is there (main builds every stem on the first read). */
  sourcesReady: Promise<AudioBuffer[]>
}

/** What the blocks are of: the file, the separation and its k, the rate and the length. */
export interface BlockMedia {
  fileId: string | null
  separationId: string | null
  k: number
  sampleRate: number
  durationSec: number
}

/** The block cache of playback. */
export class BlockCache {
  readonly #backend: Backend
  readonly #context: () => AudioContextLike
  readonly #media: () => BlockMedia
  #cache = new Map<number, Promise<Block>>()
  /** Blocks an edit made stale: their mixture is kept, their stems are read again when needed. */
  #stemsStale = new Map<number, Promise<Block>>()
  /** Counts clear()s: a block read before the last one belongs to other media. */
  generation = 0

  constructor(backend: Backend, context: () => AudioContextLike, media: () => BlockMedia) {
    this.#backend = backend
    this.#context = context
    this.#media = media
  }

  /** Forgets every block (new media). */
  clear(): void {
    this.generation++
    this.#cache.clear()
    this.#stemsStale.clear()
  }

  /** The stems of blocks first..last changed (an edit): they are read again when next needed. */
  staleStems(first: number, last: number): void {
    for (const [i, old] of [...this.#cache]) {
      if (i < first || i > last) continue
      this.#cache.delete(i)
      this.#stemsStale.set(i, old)
    }
  }

  /** Block `index`, from the cache or read now. */
  get(index: number): Promise<Block> {
    let p = this.#cache.get(index)
    if (p) {
      // refresh LRU order
      this.#cache.delete(index)
      this.#cache.set(index, p)
      return p
    }
    const stale = this.#stemsStale.get(index)
    this.#stemsStale.delete(index)
    p = stale
      ? stale.then(
          (b) => this.#read(index, b.mixture),
          () => this.#read(index),
        )
      : this.#read(index)
    this.#cache.set(index, p)
    p.catch(() => this.#cache.delete(index))
    while (this.#cache.size > MAX_CACHED_BLOCKS)
      this.#cache.delete(this.#cache.keys().next().value!)
    return p
  }

  /** Reads block `index` (the mixture too, unless given: an edit changes only the stems). */
  async #read(index: number, mixture?: AudioBuffer): Promise<Block> {
    const ctx = this.#context()
    const { fileId, separationId, k, sampleRate: sr, durationSec } = this.#media()
    const blockLen = Math.round(BLOCK_SEC * sr)
    const startSample = index * blockLen
    const total = Math.round(durationSec * sr)
    const length = Math.max(0, Math.min(blockLen, total - startSample))
    if (!fileId) throw new Error('No file is open.')
    const range = { from: startSample, to: startSample + length }
    const toBuffer = (channels: Float32Array[]): AudioBuffer => {
      const n = Math.max(1, channels[0]?.length ?? 0)
      const buf = ctx.createBuffer(Math.max(1, channels.length), n, sr)
      channels.forEach((c, ch) => buf.copyToChannel(c as Float32Array<ArrayBuffer>, ch))
      return buf
    }
    // the mixture comes at once; the stems may take a while the first time (main builds them all)
    const stemsCall =
      k > 0 && separationId
        ? this.#backend.call('getStemAudio', {
            separationId,
            sources: Array.from({ length: k }, (_, i) => i),
            range,
          })
        : Promise.resolve(null)
    const mix =
      mixture ?? toBuffer((await this.#backend.call('getAudio', { fileId, range })).channels)
    const block: Block = {
      length: mix.length,
      mixture: mix,
      sources: null,
      sourcesReady: stemsCall.then((stems) => {
        const sources: AudioBuffer[] = []
        for (const stem of stems?.stems ?? []) sources[stem.index] = toBuffer(stem.channels)
        block.sources = sources
        return sources
      }),
    }
    block.sourcesReady.catch(() => {})
    // a block whose stems arrive within a moment is scheduled whole
    await Promise.race([
      block.sourcesReady.catch(() => null),
      new Promise((r) => setTimeout(r, 30)),
    ])
    return block
  }
}
