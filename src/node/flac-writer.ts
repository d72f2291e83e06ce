/** The FLAC stem writer: 16/24-bit through libFLAC (flac-codec.ts), the STREAMINFO patched on commit. */
import { FlacStreamEncoder, streamInfoBody } from './flac-codec'
import { BaseWriter, FLUSH_BYTES, quantize } from './stem-writer-base'
import type { FileSink, StemWriterOptions } from './stem-writer-base'

export class FlacWriter extends BaseWriter {
  #enc!: FlacStreamEncoder
  #pending: Uint8Array[] = []
  #ints: Int32Array[] = []
  #first = true
  #inflight: Promise<void> | undefined

  static async open(sink: FileSink, opts: StemWriterOptions): Promise<FlacWriter> {
    const w = new FlacWriter(sink, opts)
    try {
      w.#enc = await FlacStreamEncoder.create(
        {
          sampleRate: opts.sampleRate,
          channels: opts.channels,
          bits: opts.bits as 16 | 24,
          totalFrames: opts.totalFrames,
        },
        (bytes) => w.#pending.push(bytes),
      )
    } catch (e) {
      await sink.abort()
      throw e
    }
    return w
  }

  /** Writes the encoded bytes collected so far once there is 1 MiB of them (or `force`), in the background. */
  async #flush(force = false): Promise<void> {
    if (!this.#pending.length) return
    let total = 0
    for (const c of this.#pending) total += c.length
    if (total < FLUSH_BYTES && !force) return
    await this.#drain()
    const chunks = this.#pending
    this.#pending = []
    if (this.#first) {
      const head = chunks[0]
      if (!(head[0] === 0x66 && head[1] === 0x4c && head[2] === 0x61 && head[3] === 0x43))
        throw new Error('libFLAC did not start the stream with fLaC')
      this.#first = false
    }
    const all = new Uint8Array(total)
    let at = 0
    for (const c of chunks) {
      all.set(c, at)
      at += c.length
    }
    const p = this.sink.append(all)
    p.catch(() => undefined) // handled in #drain()
    this.#inflight = p
  }

  async #drain(): Promise<void> {
    const p = this.#inflight
    this.#inflight = undefined
    if (p) await p
  }

  protected async writeBlock(block: Float32Array[], n: number): Promise<void> {
    const scale = this.opts.bits === 16 ? 32768 : 8388608
    for (let c = 0; c < block.length; c++) {
      if (!this.#ints[c] || this.#ints[c].length < n) this.#ints[c] = new Int32Array(n)
      this.clipped += quantize(block[c], n, scale, this.#ints[c], 1, 0)
    }
    this.#enc.process(
      this.#ints.map((a) => (a.length === n ? a : a.subarray(0, n))),
      n,
    )
    await this.#flush()
  }

  protected async finish(): Promise<void> {
    const info = this.#enc.finish()
    await this.#flush(true)
    await this.#drain()
    if (this.#first) throw new Error('libFLAC wrote no stream')
    // STREAMINFO body starts after 'fLaC' (4) and its block header (4).
    const bits = this.opts.bits as 16 | 24
    await this.sink.patch(
      8,
      streamInfoBody(info, this.opts.sampleRate, this.opts.channels, bits, this.framesWritten),
    )
  }

  protected override async abortNow(): Promise<void> {
    await this.#inflight?.catch(() => undefined)
    this.#inflight = undefined
    await super.abortNow()
  }

  protected override release(): void {
    this.#enc?.dispose()
  }
}
