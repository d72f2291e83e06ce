import { RealFft } from './fft'
import { hannWindow } from './window'

/**
 * Short-time Fourier transform with 'center' framing, exactly torch.stft(center=True,
 * pad_mode='constant', window=hann(nFft, periodic=True), normalized=False, onesided=True):
 * frame t covers samples t*hop - nFft/2 .. t*hop + nFft/2 - 1 (zeros outside the signal),
 * there are floor(n / hop) + 1 frames, and X[t, f] = sum_i w[i] x[t*hop - nFft/2 + i] e^{-2 pi i f i / nFft}.
 */

/** Frames of the centred STFT of `length` samples: floor(length / hop) + 1. */
export function stftFrameCount(length: number, hop: number): number {
  return Math.floor(length / hop) + 1
}

/** A complex STFT: interleaved float32 [frames][bins][re, im]. */
export interface ComplexSpectrogram {
  nFft: number
  hop: number
  frames: number
  /** nFft/2 + 1. */
  bins: number
  /** float32 [frames * bins * 2], interleaved re/im, t-major. */
  data: Float32Array
}

/** Complex STFT of a mono signal (see the module comment): signal [n] -> [frames][bins][2]. */
export function stft(signal: Float32Array, nFft: number, hop: number): ComplexSpectrogram {
  const fft = new RealFft(nFft)
  const window = hannWindow(nFft)
  const frames = stftFrameCount(signal.length, hop)
  const bins = nFft / 2 + 1
  const data = new Float32Array(frames * bins * 2)
  const spec = new Float64Array(nFft + 2)
  for (let t = 0; t < frames; t++) {
    fft.forwardWindowed(signal, t * hop - nFft / 2, window, spec)
    data.set(spec, t * bins * 2)
  }
  return { nFft, hop, frames, bins, data }
}

/** |X| of the centred STFT of a mono signal: signal [n] -> float32 [frames * bins]. */
export function stftMagnitude(
  signal: Float32Array,
  nFft: number,
  hop: number,
): { frames: number; bins: number; magnitude: Float32Array } {
  const fft = new RealFft(nFft)
  const window = hannWindow(nFft)
  const frames = stftFrameCount(signal.length, hop)
  const bins = nFft / 2 + 1
  const magnitude = new Float32Array(frames * bins)
  const spec = new Float64Array(nFft + 2)
  for (let t = 0; t < frames; t++) {
    fft.forwardWindowed(signal, t * hop - nFft / 2, window, spec)
    const o = t * bins
    for (let f = 0; f < bins; f++) {
      const re = spec[2 * f]
      const im = spec[2 * f + 1]
      magnitude[o + f] = Math.sqrt(re * re + im * im)
    }
  }
  return { frames, bins, magnitude }
}

/**
 * Sum over frames of w^2 at every output sample (the iSTFT's normaliser), float64 [length].
 * Interior values are constant (1.5 for Hann at hop nFft/4); only the ends differ.
 */
export function windowSquareSum(
  length: number,
  frames: number,
  hop: number,
  window: Float64Array,
): Float64Array {
  const n = window.length
  const env = new Float64Array(length)
  for (let t = 0; t < frames; t++) {
    const start = t * hop - (n >> 1)
    const i0 = Math.max(0, -start)
    const i1 = Math.min(n, length - start)
    for (let i = i0; i < i1; i++) env[start + i] += window[i] * window[i]
  }
  return env
}

/**
 * Inverse of `stft()` by weighted overlap-add: y = sum_t w * ifft(X_t) / sum_t w^2 (torch.istft,
 * center=True). Perfect reconstruction wherever the window-square sum is non-zero (everywhere for
 * Hann with hop <= nFft/2). [frames][bins][2] -> float32 [length].
 */
export function istft(spec: ComplexSpectrogram, length: number): Float32Array {
  const { nFft, hop, frames, bins, data } = spec
  const fft = new RealFft(nFft)
  const window = hannWindow(nFft)
  const acc = new Float64Array(length)
  const x = new Float64Array(nFft + 2)
  const half = nFft >> 1
  for (let t = 0; t < frames; t++) {
    const start = t * hop - half
    if (start >= length) break
    for (let i = 0; i < 2 * bins; i++) x[i] = data[t * bins * 2 + i]
    const y = fft.inverseMasked(x, null)
    const i0 = Math.max(0, -start)
    const i1 = Math.min(nFft, length - start)
    for (let i = i0; i < i1; i++) acc[start + i] += window[i] * y[i]
  }
  const env = windowSquareSum(length, frames, hop, window)
  const out = new Float32Array(length)
  for (let i = 0; i < length; i++) out[i] = env[i] > 1e-10 ? acc[i] / env[i] : 0
  return out
}
