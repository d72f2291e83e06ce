import { RealFft } from '../dsp/fft'
import { hannWindow } from '../dsp/window'
import type { PcmAudio, SourceMasks, StemSink, SynthesisOptions, SynthesisResult } from '../types'
import { throwIfAborted } from '../util'

/**
 * Model-grid masks, row by row: row(t, s) is source s's mask for model frame t (float32 [bins]),
 * valid until the next call with another t. Lets `separate()` compute masks lazily per block.
 */
export interface MaskRowSource {
  k: number
  sampleRate: number
  nFft: number
  hop: number
  frames: number
  bins: number
  row(t: number, s: number): Float32Array
}

/** Row access to a materialised SourceMasks (no copies). */
export function maskRowsOf(m: SourceMasks): MaskRowSource {
  return {
    k: m.k,
    sampleRate: m.sampleRate,
    nFft: m.nFft,
    hop: m.hop,
    frames: m.frames,
    bins: m.bins,
    row: (t, s) => m.masks[s].subarray(t * m.bins, (t + 1) * m.bins),
  }
}

/** FFT size of the output STFT at a sample rate: the largest power of two <= 64 ms (2048 at 44.1/48 kHz). */
export function outputFftSize(sampleRate: number): number {
  return 2 ** Math.max(6, Math.floor(Math.log2(0.064 * sampleRate + 1e-9)))
}

/**
 * Applies model-grid masks to the full-rate STFT (periodic Hann, nFft ~64 ms, hop nFft/4, centred)
 * of every channel of `audio`, inverts by weighted overlap-add and streams the stems to `sink`.
 *
 * Masks move from the model grid to the output grid by linear interpolation in time (frame centres)
 * and in Hz (bin centres); both are convex combinations, so the k masks still sum to 1. Output bins
 * above the model's Nyquist get, per frame, the mean of the interpolated masks over the model's top
 * octave (Rm/4 .. Rm/2) weighted by the mixture's magnitude there (see docs/engine.md). The last
 * source is the input minus the others (in the time domain): the same as masking it, since the masks
 * sum to 1 and the iSTFT is linear, and it makes the stems sum to the input to float rounding while
 * saving one inverse FFT per frame.
 */
export async function synthesizeStems(
  audio: PcmAudio,
  masks: SourceMasks,
  sink: StemSink,
  opts: SynthesisOptions = {},
): Promise<SynthesisResult> {
  return synthesizeFromRows(audio, maskRowsOf(masks), sink, opts)
}

/** `synthesizeStems()` over any MaskRowSource. */
export async function synthesizeFromRows(
  audio: PcmAudio,
  masks: MaskRowSource,
  sink: StemSink,
  opts: SynthesisOptions = {},
): Promise<SynthesisResult> {
  const t0 = performance.now()
  const R = audio.sampleRate
  const C = audio.channels.length
  if (C === 0) throw new RangeError('synthesizeStems: no channels')
  const n = audio.channels[0].length
  const k = masks.k
  const N = opts.nFft ?? outputFftSize(R)
  const H = N / 4
  const F = N / 2 + 1
  const T = Math.floor(n / H) + 1
  const B = Math.max(1, opts.blockFrames ?? 256)
  // Optional sample range [r0, r1): only the frames that overlap it are computed; the samples are
  // identical to the same slice of a whole-file synthesis (same frames, same order of sums).
  const r0 = Math.max(0, Math.min(n, Math.floor(opts.range?.start ?? 0)))
  const r1 = opts.range ? Math.max(r0, Math.min(n, r0 + Math.floor(opts.range.length))) : n
  const tFirst = Math.max(0, Math.floor((r0 - N / 2) / H) + 1)
  const tEnd = Math.min(T, Math.ceil((r1 + N / 2) / H))
  const half = N / 2
  const fft = new RealFft(N)
  const window = hannWindow(N)
  // Window-square sum: 1.5 in the interior for Hann at hop N/4; exact sums near the ends.
  const invEnv = (i: number): number => {
    if (i >= half && i < n - half - H) return 1 / 1.5
    let s = 0
    const tMin = Math.max(0, Math.ceil((i - half + 1) / H))
    const tMax = Math.min(T - 1, Math.floor((i + half) / H))
    for (let t = tMin; t <= tMax; t++) {
      const w = window[i - t * H + half]
      s += w * w
    }
    return s > 1e-10 ? 1 / s : 0
  }

  // --- mask mapping from the model grid ---
  const Rm = masks.sampleRate
  const Fm = masks.bins
  const Nm = masks.nFft
  const Tm = masks.frames
  const frameScale = (H * Rm) / (R * masks.hop) // model frame position of output frame t: t * frameScale
  const binPos = new Int32Array(F)
  const binFrac = new Float32Array(F)
  let fTop = F // first output bin above the model's Nyquist
  let bandLo = F
  for (let f = 0; f < F; f++) {
    const v = (f * R * Nm) / (N * Rm)
    if (v > Fm - 1 + 1e-9) {
      if (fTop === F) fTop = f
      continue
    }
    const v0 = Math.min(Fm - 2, Math.floor(v))
    binPos[f] = Math.max(0, v0)
    binFrac[f] = Fm > 1 ? v - binPos[f] : 0
    if (bandLo === F && (f * R) / N >= Rm / 4) bandLo = f
  }
  const needTop = fTop < F
  const sk = Math.max(0, k - 1) // sources synthesised by masking; the last one by subtraction
  const mrow = Array.from({ length: sk }, () => new Float32Array(Fm))
  const omask = Array.from({ length: sk }, () => new Float32Array(F))
  const mag = new Float32Array(F)

  // --- buffers ---
  const L = B * H + N
  const acc = Array.from({ length: sk * C }, () => new Float64Array(L)) // [s * C + c], absolute sample base + i
  let base = r0
  const spec = Array.from({ length: C }, () => new Float64Array(N + 2))
  const blockOut = Array.from({ length: k }, () =>
    Array.from({ length: C }, () => new Float32Array(B * H + N)),
  )
  const energy = new Float64Array(k)

  let emitted = r0
  let tApply = 0
  let tIstft = 0
  let tSink = 0
  let clock = performance.now()
  const lap = (): number => {
    const now = performance.now()
    const dt = now - clock
    clock = now
    return dt
  }
  for (let tb = tFirst; tb < tEnd && emitted < r1; tb += B) {
    throwIfAborted(opts.signal)
    const te = Math.min(tEnd, tb + B)
    for (let t = tb; t < te; t++) {
      // Output-frame masks for sources 0..k-2.
      if (sk > 0) {
        let u = t * frameScale
        if (u > Tm - 1) u = Tm - 1
        const u0 = Math.min(Math.floor(u), Math.max(0, Tm - 2))
        const b = Tm > 1 ? u - u0 : 0
        for (let s = 0; s < sk; s++) {
          const r0 = masks.row(u0, s)
          const m = mrow[s]
          if (b === 0) m.set(r0)
          else {
            const r1 = masks.row(Math.min(Tm - 1, u0 + 1), s)
            for (let f = 0; f < Fm; f++) m[f] = r0[f] + b * (r1[f] - r0[f])
          }
          const om = omask[s]
          for (let f = 0; f < fTop; f++) {
            const p = binPos[f]
            om[f] = m[p] + binFrac[f] * (m[p + 1] - m[p])
          }
        }
      }
      if (sk === 0) continue // one source: the stem is the input
      // Forward STFT of every channel.
      for (let c = 0; c < C; c++)
        fft.forwardWindowed(audio.channels[c], t * H - half, window, spec[c])
      if (needTop) {
        // Mixture magnitude over the model's top octave weights the extension above its Nyquist.
        let wsum = 0
        for (let f = bandLo; f < fTop; f++) {
          let a = 0
          for (let c = 0; c < C; c++) {
            const re = spec[c][2 * f]
            const im = spec[c][2 * f + 1]
            a += Math.sqrt(re * re + im * im)
          }
          mag[f] = a
          wsum += a
        }
        for (let s = 0; s < sk; s++) {
          const om = omask[s]
          let v = 0
          if (wsum > 0) {
            for (let f = bandLo; f < fTop; f++) v += om[f] * mag[f]
            v /= wsum
          } else {
            for (let f = bandLo; f < fTop; f++) v += om[f]
            v /= Math.max(1, fTop - bandLo)
          }
          om.fill(v, fTop, F)
        }
      }
      tApply += lap()
      // Masked inverse FFTs, windowed overlap-add.
      const start = t * H - half
      const i0 = Math.max(0, base - start)
      const i1 = Math.min(N, r1 - start)
      for (let s = 0; s < sk; s++) {
        const om = omask[s]
        for (let c = 0; c < C; c++) {
          const out = fft.inverseMasked(spec[c], om)
          const a = acc[s * C + c]
          const off = start - base
          for (let i = i0; i < i1; i++) a[off + i] += window[i] * out[i]
        }
      }
      tIstft += lap()
    }
    // Samples before the next frame's start are complete.
    const done = te >= tEnd ? r1 : Math.min(r1, te * H - half)
    if (done > emitted) {
      const len = done - emitted
      const off = emitted - base
      for (let c = 0; c < C; c++) {
        const x = audio.channels[c]
        const last = blockOut[k - 1][c]
        for (let i = 0; i < len; i++) last[i] = x[emitted + i]
        for (let s = 0; s < sk; s++) {
          const a = acc[s * C + c]
          const o = blockOut[s][c]
          for (let i = 0; i < len; i++) {
            const abs = emitted + i
            const v = a[off + i] * (abs >= half && abs < n - half - H ? 1 / 1.5 : invEnv(abs))
            const v32 = Math.fround(v)
            o[i] = v32
            last[i] -= v32
          }
        }
      }
      for (let s = 0; s < k; s++) {
        let e = 0
        for (let c = 0; c < C; c++) {
          const o = blockOut[s][c]
          for (let i = 0; i < len; i++) e += o[i] * o[i]
        }
        energy[s] += e
        tIstft += lap()
        const ret = sink.write(
          s,
          blockOut[s].map((o) => o.subarray(0, len)),
        )
        if (ret) await ret
        tSink += lap()
      }
      // Shift the accumulators so that `done` is at index 0.
      const shift = done - base
      for (const a of acc) {
        a.copyWithin(0, shift)
        a.fill(0, L - shift)
      }
      base = done
      emitted = done
      tIstft += lap()
    }
    opts.onProgress?.({ stage: 'synthesize', fraction: (te - tFirst) / Math.max(1, tEnd - tFirst) })
  }
  const etot = energy.reduce((p, q) => p + q, 0)
  return {
    energyShares: Array.from(energy, (e) => (etot > 0 ? e / etot : 1 / k)),
    nFft: N,
    hop: H,
    timings: {
      synthesize: (performance.now() - t0) / 1000,
      apply: tApply / 1000,
      istft: tIstft / 1000,
      sink: tSink / 1000,
    },
  }
}
