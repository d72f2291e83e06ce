/** The WAV stem writer: 16/24-bit PCM or 32-bit float, WAVE_FORMAT_EXTENSIBLE past 2 channels, RF64 past 4 GiB. */
import { BaseWriter, FLUSH_BYTES, quantize } from './stem-writer-base'
import type { FileSink, StemWriterOptions } from './stem-writer-base'
import { LITTLE_ENDIAN } from './wav-reader'

/** Speaker masks for common layouts; 0 (unassigned) otherwise. */
const CHANNEL_MASK: Record<number, number> = { 1: 0x4, 2: 0x3, 4: 0x33, 6: 0x3f, 8: 0x63f }

export class WavWriter extends BaseWriter {
  readonly #blockAlign: number
  readonly #bytesPerSample: number
  readonly #float: boolean
  readonly #extensible: boolean
  readonly #fmtSize: number
  readonly #headerSize: number
  #ints: Int32Array = new Int32Array(0)
  /** Staging buffer of encoded bytes not yet written, and how much of it is filled. */
  #stage: Buffer = Buffer.alloc(0)
  #fill = 0
  /** The other staging buffer (being written while #stage fills) and that write. */
  #spare: Buffer = Buffer.alloc(0)
  #inflight: Promise<void> | undefined
  #headerWritten = false

  constructor(sink: FileSink, opts: StemWriterOptions) {
    super(sink, opts)
    this.#float = opts.bits === '32f'
    this.#bytesPerSample = opts.bits === 16 ? 2 : opts.bits === 24 ? 3 : 4
    this.#blockAlign = this.#bytesPerSample * opts.channels
    this.#extensible = opts.channels > 2 || opts.bits === 24
    this.#fmtSize = this.#extensible ? 40 : this.#float ? 18 : 16
    // RIFF header, JUNK (reserves room for ds64), fmt, fact (float only), data header
    this.#headerSize = 12 + 36 + 8 + this.#fmtSize + (this.#float ? 12 : 0) + 8
  }

  #header(riff64: boolean, dataBytes: number, fileSize: number): Buffer {
    const h = Buffer.alloc(this.#headerSize)
    const o = this.opts
    const rf = riff64
    h.write(rf ? 'RF64' : 'RIFF', 0, 'latin1')
    h.writeUInt32LE(rf ? 0xffffffff : fileSize - 8, 4)
    h.write('WAVE', 8, 'latin1')
    // ds64 (RF64) or a JUNK chunk of the same size reserving its place (EBU Tech 3306).
    h.write(rf ? 'ds64' : 'JUNK', 12, 'latin1')
    h.writeUInt32LE(28, 16)
    if (rf) {
      h.writeBigUInt64LE(BigInt(fileSize - 8), 20)
      h.writeBigUInt64LE(BigInt(dataBytes), 28)
      h.writeBigUInt64LE(BigInt(this.framesWritten), 36)
      h.writeUInt32LE(0, 44)
    }
    let p = 48
    h.write('fmt ', p, 'latin1')
    h.writeUInt32LE(this.#fmtSize, p + 4)
    p += 8
    const tag = this.#extensible ? 0xfffe : this.#float ? 3 : 1
    h.writeUInt16LE(tag, p)
    h.writeUInt16LE(o.channels, p + 2)
    h.writeUInt32LE(o.sampleRate, p + 4)
    h.writeUInt32LE(o.sampleRate * this.#blockAlign, p + 8)
    h.writeUInt16LE(this.#blockAlign, p + 12)
    h.writeUInt16LE(this.#bytesPerSample * 8, p + 14)
    if (this.#fmtSize >= 18) h.writeUInt16LE(this.#fmtSize - 18, p + 16)
    if (this.#extensible) {
      h.writeUInt16LE(this.#bytesPerSample * 8, p + 18)
      h.writeUInt32LE(CHANNEL_MASK[o.channels] ?? 0, p + 20)
      // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: {0000000X-0000-0010-8000-00AA00389B71}
      h.writeUInt16LE(this.#float ? 3 : 1, p + 24)
      Buffer.from([
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
      ]).copy(h, p + 26)
    }
    p += this.#fmtSize
    if (this.#float) {
      h.write('fact', p, 'latin1')
      h.writeUInt32LE(4, p + 4)
      h.writeUInt32LE(rf ? 0xffffffff : this.framesWritten >>> 0, p + 8)
      p += 12
    }
    h.write('data', p, 'latin1')
    h.writeUInt32LE(rf ? 0xffffffff : dataBytes, p + 4)
    return h
  }

  protected async writeBlock(block: Float32Array[], n: number): Promise<void> {
    if (!this.#headerWritten) {
      // The header goes first; it is rewritten with the final sizes on commit.
      this.#stage = Buffer.allocUnsafeSlow(
        Math.max(FLUSH_BYTES, this.#headerSize + this.#blockAlign),
      )
      this.#header(false, 0, this.#headerSize).copy(this.#stage, 0)
      this.#fill = this.#headerSize
      this.#headerWritten = true
    }
    // Convert straight into the staging buffer (reused: no per-block allocation), flushing when full.
    let done = 0
    while (done < n) {
      let room = Math.floor((this.#stage.length - this.#fill) / this.#blockAlign)
      if (room === 0) {
        await this.#flush()
        room = Math.floor(this.#stage.length / this.#blockAlign)
      }
      const m = Math.min(room, n - done)
      this.#convert(block, done, m)
      done += m
    }
  }

  /** Interleaves and converts frames [from, from+m) of `block` into the stage at #fill. */
  #convert(block: Float32Array[], from: number, m: number): void {
    const ch = block.length
    const stage = this.#stage
    const at = this.#fill
    if (this.#float && LITTLE_ENDIAN && (stage.byteOffset + at) % 4 === 0) {
      const f = new Float32Array(stage.buffer, stage.byteOffset + at, m * ch)
      for (let c = 0; c < ch; c++) {
        const src = block[c]
        for (let i = 0, j = c; i < m; i++, j += ch) f[j] = src[from + i]
      }
    } else if (this.#float) {
      for (let c = 0; c < ch; c++) {
        const src = block[c]
        for (let i = 0; i < m; i++) stage.writeFloatLE(src[from + i], at + (i * ch + c) * 4)
      }
    } else {
      if (this.#ints.length < m * ch) this.#ints = new Int32Array(m * ch)
      const ints = this.#ints
      const scale = this.opts.bits === 16 ? 32768 : 8388608
      for (let c = 0; c < ch; c++)
        this.clipped += quantize(block[c].subarray(from, from + m), m, scale, ints, ch, c)
      const total = m * ch
      if (this.#bytesPerSample === 2 && LITTLE_ENDIAN && (stage.byteOffset + at) % 2 === 0) {
        new Int16Array(stage.buffer, stage.byteOffset + at, total).set(ints.subarray(0, total))
      } else if (this.#bytesPerSample === 2) {
        for (let i = 0, b = at; i < total; i++, b += 2) {
          const v = ints[i]
          stage[b] = v & 0xff
          stage[b + 1] = (v >> 8) & 0xff
        }
      } else {
        for (let i = 0, b = at; i < total; i++, b += 3) {
          const v = ints[i]
          stage[b] = v & 0xff
          stage[b + 1] = (v >> 8) & 0xff
          stage[b + 2] = (v >> 16) & 0xff
        }
      }
    }
    this.#fill += m * this.#blockAlign
  }

  /**
   * Starts writing the filled stage and swaps in the spare buffer, so the disk write overlaps the
   * caller's next block; waits only for the previous write (at most one in flight).
   */
  async #flush(): Promise<void> {
    await this.#drain()
    if (!this.#fill) return
    const full = this.#stage.subarray(0, this.#fill)
    if (this.#spare.length !== this.#stage.length) {
      this.#spare = Buffer.allocUnsafeSlow(this.#stage.length)
    }
    // The spare is idle (its write was drained above): fill it while `full` is written.
    ;[this.#stage, this.#spare] = [this.#spare, this.#stage]
    this.#fill = 0
    const p = this.sink.append(full)
    p.catch(() => undefined) // handled in #drain(); avoids an unhandled rejection after abort
    this.#inflight = p
  }

  /** Waits for the write in flight, if any (its error surfaces here). */
  async #drain(): Promise<void> {
    const p = this.#inflight
    this.#inflight = undefined
    if (p) await p
  }

  protected override async abortNow(): Promise<void> {
    await this.#inflight?.catch(() => undefined)
    this.#inflight = undefined
    await super.abortNow()
  }

  protected async finish(): Promise<void> {
    if (!this.#headerWritten) {
      await this.sink.append(this.#header(false, 0, this.#headerSize))
      this.#headerWritten = true
    }
    await this.#flush()
    await this.#drain()
    const dataBytes = this.framesWritten * this.#blockAlign
    if (dataBytes & 1) await this.sink.append(new Uint8Array(1)) // RIFF chunks are word-aligned
    const fileSize = this.sink.size
    const rf64 = !!this.opts.forceRf64 || fileSize - 8 > 0xffffffff
    await this.sink.patch(0, this.#header(rf64, dataBytes, fileSize))
  }
}
