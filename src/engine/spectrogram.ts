import { downmix } from './dsp/downmix'
import { isPowerOfTwo, RealFft } from './dsp/fft'
import { stftMagnitude } from './dsp/stft'
import { hannWindow } from './dsp/window'
import type { PcmAudio, Spectrogram, SpectrogramOptions } from './types'

/**
 * Magnitude spectrogram of the channels' mean in dB re full scale, for the editor's display:
 * [C][n] -> float32 [frames * bins] (t-major), 0 dB = a full-scale sine, clamped below at floorDb.
 * Centred periodic-Hann frames like the engine's STFT, so frame t is at time t * hop / sampleRate.
 * `maxFrames` bounds memory for long files by widening the hop (30 min at 44.1 kHz, nFft 2048, hop 512
 * would be 155k frames x 1025 bins = 635 MB).
 */
export function magnitudeSpectrogram(audio: PcmAudio, opts: SpectrogramOptions = {}): Spectrogram {
  const nFft = opts.nFft ?? 2048
  if (!isPowerOfTwo(nFft) || nFft < 16)
    throw new RangeError(`nFft must be a power of two >= 16, got ${nFft}`)
  const n = audio.channels[0]?.length ?? 0
  let hop = Math.max(1, Math.round(opts.hop ?? nFft / 4))
  if (opts.maxFrames && Math.floor(n / hop) + 1 > opts.maxFrames)
    hop = Math.ceil(n / Math.max(1, opts.maxFrames - 1))
  const floorDb = opts.floorDb ?? -120
  const mono = audio.channels.length === 1 ? audio.channels[0] : downmix(audio.channels)
  const { frames, bins, magnitude } = stftMagnitude(mono, nFft, hop)
  const ref = nFft / 4 // |X| of a full-scale sine under a periodic Hann window
  const db = magnitude // converted in place
  let maxDb = floorDb
  for (let i = 0; i < db.length; i++) {
    const m = db[i] / ref
    const v = m > 0 ? 20 * Math.log10(m) : floorDb
    db[i] = v < floorDb ? floorDb : v
    if (db[i] > maxDb) maxDb = db[i]
  }
  return { sampleRate: audio.sampleRate, nFft, hop, frames, bins, db, maxDb }
}

/** Options of `magnitudeSpectrogramBytes()`. */
export interface ByteSpectrogramOptions {
  /** FFT size (power of two). Default 2048. */
  nFft?: number
  /** Hop in samples. Default nFft / 4. */
  hop?: number
  /** dB mapped to 0 and to 255. Defaults -100 and 0 (0.39 dB per step). */
  dbMin?: number
  dbMax?: number
  /** Only frames [fromFrame, toFrame) (e.g. to split the work over workers). Default all. */
  fromFrame?: number
  toFrame?: number
}

/** A display spectrogram quantised to bytes: value v means dbMin + v * (dbMax - dbMin) / 255 dB. */
export interface ByteSpectrogram {
  sampleRate: number
  nFft: number
  hop: number
  /** Frames of the whole input (floor(n / hop) + 1). */
  frames: number
  bins: number
  fromFrame: number
  toFrame: number
  dbMin: number
  dbMax: number
  /** uint8 [(toFrame - fromFrame) * bins], t-major. */
  values: Uint8Array
  /** Loudest value in the computed frames, dB re full scale. */
  maxDb: number
}

/**
 * The display spectrogram as bytes, fast: the channels' mean, centred periodic-Hann frames, power
 * |X|^2 turned into dB with a float-bits log2 (error < 0.02 dB, far below the 8-bit step), frames
 * limited to [fromFrame, toFrame) if asked. 0 dB = a full-scale sine.
 */
export function magnitudeSpectrogramBytes(
  audio: PcmAudio,
  opts: ByteSpectrogramOptions = {},
): ByteSpectrogram {
  const nFft = opts.nFft ?? 2048
  if (!isPowerOfTwo(nFft) || nFft < 16)
    throw new RangeError(`nFft must be a power of two >= 16, got ${nFft}`)
  const hop = Math.max(1, Math.round(opts.hop ?? nFft / 4))
  const chans = audio.channels
  const C = chans.length
  const n = chans[0]?.length ?? 0
  const frames = Math.floor(n / hop) + 1
  const from = Math.max(0, Math.min(frames, Math.floor(opts.fromFrame ?? 0)))
  const to = Math.max(from, Math.min(frames, Math.floor(opts.toFrame ?? frames)))
  const dbMin = opts.dbMin ?? -100
  const dbMax = opts.dbMax ?? 0
  if (!(dbMax > dbMin)) throw new RangeError(`dbMax must exceed dbMin, got ${dbMin}..${dbMax}`)
  const bins = nFft / 2 + 1
  const fft = new RealFft(nFft)
  const window = hannWindow(nFft)
  const frame = new Float64Array(nFft)
  const spec = new Float64Array(nFft + 2)
  const power = new Float32Array(bins)
  const bits = new Int32Array(power.buffer)
  const values = new Uint8Array((to - from) * bins)
  // v = 255 (dB - dbMin) / (dbMax - dbMin), dB = 10 log10(p / ref^2) = 10 log10(2) log2(p) - 20 log10(ref).
  const ref = nFft / 4
  const scale = 255 / (dbMax - dbMin)
  const A = 10 * Math.LOG10E * Math.LN2 * scale
  const B0 = (-20 * Math.log10(ref) - dbMin) * scale + 0.5 // + 0.5: round to nearest
  const gain = 1 / C
  let maxP = 0
  for (let t = from; t < to; t++) {
    const start = t * hop - nFft / 2
    for (let i = 0; i < nFft; i++) {
      const j = start + i
      let s = 0
      if (j >= 0 && j < n) for (let c = 0; c < C; c++) s += chans[c][j]
      frame[i] = window[i] * s * gain
    }
    fft.forward(frame, spec)
    for (let f = 0; f < bins; f++) {
      const p = spec[2 * f] * spec[2 * f] + spec[2 * f + 1] * spec[2 * f + 1]
      power[f] = p
      if (p > maxP) maxP = p
    }
    const o = (t - from) * bins
    for (let f = 0; f < bins; f++) {
      const b = bits[f]
      const m = (b & 0x7fffff) * (1 / 8388608)
      const log2 = ((b >> 23) & 0xff) - 127 + m * (1.3465553 - 0.3465553 * m)
      const v = A * log2 + B0
      values[o + f] = v <= 0 ? 0 : v >= 255 ? 255 : v
    }
  }
  const maxDb = maxP > 0 ? 10 * Math.log10(maxP) - 20 * Math.log10(ref) : -Infinity
  return {
    sampleRate: audio.sampleRate,
    nFft,
    hop,
    frames,
    bins,
    fromFrame: from,
    toFrame: to,
    dbMin,
    dbMax,
    values,
    maxDb,
  }
}
