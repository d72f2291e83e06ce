/**
 * Streaming FLAC encoder on libflacjs' WASM build of the reference libFLAC. The library is loaded
 * once, lazily; its emscripten loader calls `fetch` with a file path on Node 18+, so `fetch` is
 * hidden while it loads and it falls back to reading the .wasm from disk.
 */

/** The subset of libflacjs' API used here. */
interface LibFlac {
  isReady(): boolean
  on(event: 'ready', cb: () => void): void
  create_libflac_encoder(
    rate: number,
    channels: number,
    bps: number,
    level: number,
    totalSamples?: number,
    verify?: boolean,
    blockSize?: number,
  ): number
  init_encoder_stream(
    enc: number,
    write: (data: Uint8Array) => void,
    metadata?: (info?: {
      md5sum: string
      min_framesize: number
      max_framesize: number
      min_blocksize: number
      max_blocksize: number
    }) => void,
  ): number
  FLAC__stream_encoder_process(
    enc: number,
    channels: Int32Array[],
    samples: number,
  ): boolean | number
  FLAC__stream_encoder_finish(enc: number): boolean | number
  FLAC__stream_encoder_delete(enc: number): void
  FLAC__stream_encoder_get_state(enc: number): number
}

let loading: Promise<LibFlac> | undefined

/** Loads libFLAC (once). */
export function loadLibFlac(): Promise<LibFlac> {
  loading ??= (async () => {
    const g = globalThis as { fetch?: unknown }
    const saved = g.fetch
    g.fetch = undefined
    try {
      const mod = (await import('libflacjs/dist/libflac.wasm.js')) as unknown as {
        default?: LibFlac
      } & LibFlac
      const flac = mod.default ?? mod
      if (!flac.isReady()) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error('libFLAC did not initialise within 30 s')),
            30_000,
          )
          flac.on('ready', () => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
      return flac
    } finally {
      g.fetch = saved
    }
  })()
  loading.catch(() => {
    loading = undefined
  })
  return loading
}

/** Final STREAMINFO values the encoder reports when it finishes. */
export interface FlacStreamInfo {
  minBlockSize: number
  maxBlockSize: number
  minFrameSize: number
  maxFrameSize: number
  md5: Uint8Array
}

/** One FLAC stream being encoded; encoded bytes are handed to `onBytes` synchronously. */
export class FlacStreamEncoder {
  #flac: LibFlac
  #enc: number
  #info: FlacStreamInfo | undefined

  private constructor(flac: LibFlac, enc: number) {
    this.#flac = flac
    this.#enc = enc
  }

  /** Creates an encoder at compression level 5 (the `flac` tool's default). */
  static async create(
    opts: {
      sampleRate: number
      channels: number
      bits: 16 | 24
      totalFrames?: number
      level?: number
    },
    onBytes: (bytes: Uint8Array) => void,
  ): Promise<FlacStreamEncoder> {
    const flac = await loadLibFlac()
    const enc = flac.create_libflac_encoder(
      opts.sampleRate,
      opts.channels,
      opts.bits,
      opts.level ?? 5,
      opts.totalFrames ?? 0,
      false,
      0,
    )
    if (!enc) throw new Error('libFLAC could not create an encoder')
    const self = new FlacStreamEncoder(flac, enc)
    const status = flac.init_encoder_stream(enc, onBytes, (info) => {
      if (!info) return
      const md5 = new Uint8Array(16)
      for (let i = 0; i < 16; i++)
        md5[i] = parseInt(info.md5sum.substring(2 * i, 2 * i + 2), 16) || 0
      self.#info = {
        minBlockSize: info.min_blocksize,
        maxBlockSize: info.max_blocksize,
        minFrameSize: info.min_framesize,
        maxFrameSize: info.max_framesize,
        md5,
      }
    })
    if (status !== 0) {
      flac.FLAC__stream_encoder_delete(enc)
      throw new Error(`libFLAC encoder initialisation failed (status ${status})`)
    }
    return self
  }

  /** Encodes `samples` frames of right-justified integer samples, one Int32Array per channel. */
  process(channels: Int32Array[], samples: number): void {
    if (!this.#flac.FLAC__stream_encoder_process(this.#enc, channels, samples)) {
      throw new Error(
        `libFLAC failed while encoding (encoder state ${this.#flac.FLAC__stream_encoder_get_state(this.#enc)})`,
      )
    }
  }

  /** Flushes the last frame and returns the final STREAMINFO values. The encoder is freed. */
  finish(): FlacStreamInfo {
    const ok = this.#flac.FLAC__stream_encoder_finish(this.#enc)
    this.dispose()
    if (!ok || !this.#info) throw new Error('libFLAC failed to finish the stream')
    return this.#info
  }

  /** Frees the encoder (idempotent). */
  dispose(): void {
    if (this.#enc) {
      this.#flac.FLAC__stream_encoder_delete(this.#enc)
      this.#enc = 0
    }
  }
}

/**
 * The 34-byte STREAMINFO body (FLAC format spec) for the final stream. It replaces the one the
 * encoder wrote first, which could not know the frame sizes, total length or MD5.
 */
export function streamInfoBody(
  info: FlacStreamInfo,
  sampleRate: number,
  channels: number,
  bits: number,
  totalFrames: number,
): Uint8Array {
  const b = new Uint8Array(34)
  b[0] = info.minBlockSize >> 8
  b[1] = info.minBlockSize & 0xff
  b[2] = info.maxBlockSize >> 8
  b[3] = info.maxBlockSize & 0xff
  b[4] = (info.minFrameSize >> 16) & 0xff
  b[5] = (info.minFrameSize >> 8) & 0xff
  b[6] = info.minFrameSize & 0xff
  b[7] = (info.maxFrameSize >> 16) & 0xff
  b[8] = (info.maxFrameSize >> 8) & 0xff
  b[9] = info.maxFrameSize & 0xff
  // 20 bits rate | 3 bits channels-1 | 5 bits bps-1 | 36 bits total samples
  b[10] = (sampleRate >> 12) & 0xff
  b[11] = (sampleRate >> 4) & 0xff
  b[12] = ((sampleRate & 0x0f) << 4) | (((channels - 1) & 7) << 1) | (((bits - 1) >> 4) & 1)
  const hi = Math.floor(totalFrames / 2 ** 32) & 0x0f
  const lo = totalFrames >>> 0
  b[13] = (((bits - 1) & 0x0f) << 4) | hi
  b[14] = (lo >>> 24) & 0xff
  b[15] = (lo >>> 16) & 0xff
  b[16] = (lo >>> 8) & 0xff
  b[17] = lo & 0xff
  b.set(info.md5, 18)
  return b
}
