/**
 * The open file and what the editor shows of it: decoding, the display spectrogram (computed on
 * demand and in idle time), waveform peaks and the mixture's samples.
 */
import { decodeAudioFile, type DecodedAudio } from '../node/index'
import type { HostOps } from '../shared/engine-protocol'
import { DisplaySpectrogram } from './display-spectrogram'
import { clampRange, staleFile, yieldTurn, type HostContext, type Progress } from './host-context'

/** Opens files and serves their display data. */
export class FileViews {
  constructor(readonly ctx: HostContext) {}

  /** Decodes a file and makes it the open one (the previous one is dropped first). */
  async open(
    { fileId, path }: HostOps['open']['args'],
    progress: Progress,
    accept?: (audio: DecodedAudio) => void,
  ): Promise<HostOps['open']['result']> {
    progress('decode', 0)
    const t0 = performance.now()
    // The open file stays until the new one has decoded (and `accept` took it): a file that fails
    // leaves the current recording, its separations and edits as they were.
    const audio = await decodeAudioFile(path)
    accept?.(audio)
    this.ctx.closeFile()
    const t1 = performance.now()
    const length = audio.channels[0]?.length ?? 0
    // The spectrogram is computed on demand (the frames the renderer asks for first) and in
    // the background between requests; opening does not wait for it.
    const spectrogram = new DisplaySpectrogram(audio)
    const closed = new AbortController()
    this.ctx.file = { id: fileId, path, audio, spectrogram, closed }
    setImmediate(() => void spectrogram.fill(closed.signal, () => this.ctx.idle()))
    return {
      format: audio.format,
      ...(audio.bitDepth !== undefined ? { bitDepth: audio.bitDepth } : {}),
      sampleRate: audio.sampleRate,
      channels: audio.channels.length,
      length,
      durationSec: audio.durationSec,
      spectrogram: spectrogram.grid,
      timingsSec: { decode: (t1 - t0) / 1000, spectrogram: 0 },
    }
  }

  /** Display spectrogram frames [from, to) in dB bytes. */
  spectrogram({ fileId, range }: HostOps['spectrogram']['args']): HostOps['spectrogram']['result'] {
    const f = this.ctx.fileById(fileId)
    const sp = f.spectrogram
    const { from, to } = clampRange(range, sp.grid.frames)
    sp.ensure(from, to)
    const db = sp.db.slice(from * sp.grid.bins, to * sp.grid.bins)
    return { fileId, grid: sp.grid, fromFrame: from, toFrame: to, db }
  }

  /** Min/max per block of every channel; computed in slices, giving the event loop turns. */
  async peaks({
    fileId,
    peaksPerSecond,
  }: HostOps['peaks']['args']): Promise<HostOps['peaks']['result']> {
    const f = this.ctx.fileById(fileId)
    const length = f.audio.channels[0]?.length ?? 0
    const block = Math.max(1, Math.round(f.audio.sampleRate / peaksPerSecond))
    const n = Math.ceil(length / block)
    const channels = f.audio.channels.map(() => new Float32Array(2 * n))
    const perSlice = Math.max(1, Math.floor((1 << 20) / block)) // ~1M samples per turn
    for (let p0 = 0; p0 < n; p0 += perSlice) {
      if (this.ctx.file !== f) throw staleFile()
      const p1 = Math.min(n, p0 + perSlice)
      f.audio.channels.forEach((x, c) => minMax(x, block, p0, p1, channels[c]!))
      await yieldTurn()
    }
    return { fileId, peaksPerSecond: f.audio.sampleRate / block, length: n, channels }
  }

  /** The mixture's samples [from, to). */
  audio({ fileId, range }: HostOps['audio']['args']): HostOps['audio']['result'] {
    const f = this.ctx.fileById(fileId)
    const length = f.audio.channels[0]?.length ?? 0
    const { from, to } = clampRange(range, length)
    return {
      sampleRate: f.audio.sampleRate,
      fromSample: from,
      toSample: to,
      channels: f.audio.channels.map((c) => c.slice(from, to)),
    }
  }
}

/** out[2p], out[2p+1] = min, max of x over block p, for p in [p0, p1). */
function minMax(x: Float32Array, block: number, p0: number, p1: number, out: Float32Array): void {
  const length = x.length
  for (let p = p0; p < p1; p++) {
    let lo = Infinity
    let hi = -Infinity
    const end = Math.min(length, (p + 1) * block)
    for (let i = p * block; i < end; i++) {
      const v = x[i]!
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
    out[2 * p] = lo
    out[2 * p + 1] = hi
  }
}
