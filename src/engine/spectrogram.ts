import { downmix } from './dsp/downmix'
import { isPowerOfTwo } from './dsp/fft'
import { stftMagnitude } from './dsp/stft'
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
