import { RealFft } from '../dsp/fft'
import { hannWindow } from '../dsp/window'
import type {
  PcmAudio,
  SourceGrid,
  SourceMasks,
  StemSink,
  SynthesisOptions,
  SynthesisResult,
} from '../types'
import { maskGrid, throwIfAborted } from '../util'

/**
 * Model-grid masks, row by row: row(t, s) is source s's mask for model frame t (float32 [bins]),
 * valid until the next call with another t. Lets `separate()` compute masks lazily per block.
 */
export interface MaskRowSource extends SourceGrid {
  row(t: number, s: number): Float32Array
}

/** Row access to a materialised SourceMasks (no copies). */
export function maskRowsOf(m: SourceMasks): MaskRowSource {
  return {
    ...maskGrid(m),
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
  const st = new StemSynthesis(audio, masks, opts)
  let tSink = 0
  for (let tb = st.tFirst; tb < st.tEnd && st.emitted < st.r1; tb += st.B) {
    throwIfAborted(opts.signal)
    const te = Math.min(st.tEnd, tb + st.B)
    st.processFrames(tb, te)
    const len = st.emit(te)
    if (len > 0) {
      for (let s = 0; s < st.k; s++) {
        const ts = performance.now()
        const ret = sink.write(
          s,
          st.blockOut[s].map((o) => o.subarray(0, len)),
        )
        if (ret) await ret
        tSink += performance.now() - ts
      }
      st.advance()
    }
    opts.onProgress?.({
      stage: 'synthesize',
      fraction: (te - st.tFirst) / Math.max(1, st.tEnd - st.tFirst),
    })
  }
  const etot = st.energy.reduce((p, q) => p + q, 0)
  return {
    energyShares: Array.from(st.energy, (e) => (etot > 0 ? e / etot : 1 / st.k)),
    nFft: st.N,
    hop: st.H,
    timings: {
      synthesize: (performance.now() - t0) / 1000,
      apply: st.tApply / 1000,
      istft: st.tIstft / 1000,
      sink: tSink / 1000,
    },
  }
}

/**
 * The state of one streaming synthesis. The hot loops live in small synchronous methods so that
 * V8 optimises each of them on its own (inside one large async function they ran far slower).
 */
class StemSynthesis {
  readonly k: number
  readonly N: number
  readonly H: number
  readonly B: number
  readonly r1: number
  readonly tFirst: number
  readonly tEnd: number
  readonly blockOut: Float32Array[][]
  readonly energy: Float64Array
  emitted: number
  tApply = 0
  tIstft = 0
  private readonly channels: Float32Array[]
  private readonly C: number
  private readonly n: number
  private readonly F: number
  private readonly T: number
  private readonly half: number
  private readonly L: number
  private readonly fft: RealFft
  private readonly window: Float64Array
  private readonly masks: MaskRowSource
  private readonly frameScale: number
  private readonly binPos: Int32Array
  private readonly binFrac: Float32Array
  private readonly fTop: number
  private readonly bandLo: number
  private readonly sk: number
  private readonly mrow: Float32Array[]
  private readonly omask: Float32Array[]
  private readonly mag: Float32Array
  private readonly acc: Float64Array[]
  private readonly spec: Float64Array[]
  private readonly nrm: Float64Array
  private readonly rest: Float64Array
  private base: number
  private pendingDone: number

  constructor(audio: PcmAudio, masks: MaskRowSource, opts: SynthesisOptions) {
    const R = audio.sampleRate
    const C = audio.channels.length
    if (C === 0) throw new RangeError('synthesizeStems: no channels')
    const n = audio.channels[0].length
    const N = opts.nFft ?? outputFftSize(R)
    const H = N / 4
    const F = N / 2 + 1
    const T = Math.floor(n / H) + 1
    const B = Math.max(1, opts.blockFrames ?? 256)
    this.channels = audio.channels
    this.C = C
    this.n = n
    this.k = masks.k
    this.N = N
    this.H = H
    this.F = F
    this.T = T
    this.B = B
    this.half = N / 2
    this.masks = masks
    // Optional sample range [r0, r1): only the frames that overlap it are computed; the samples are
    // identical to the same slice of a whole-file synthesis (same frames, same order of sums).
    const r0 = Math.max(0, Math.min(n, Math.floor(opts.range?.start ?? 0)))
    this.r1 = opts.range ? Math.max(r0, Math.min(n, r0 + Math.floor(opts.range.length))) : n
    this.tFirst = Math.max(0, Math.floor((r0 - N / 2) / H) + 1)
    this.tEnd = Math.min(T, Math.ceil((this.r1 + N / 2) / H))
    this.fft = new RealFft(N)
    this.window = hannWindow(N)
    // --- mask mapping from the model grid ---
    const Rm = masks.sampleRate
    const Fm = masks.bins
    const Nm = masks.nFft
    this.frameScale = (H * Rm) / (R * masks.hop) // model frame position of output frame t
    this.binPos = new Int32Array(F)
    this.binFrac = new Float32Array(F)
    let fTop = F // first output bin above the model's Nyquist
    let bandLo = F
    for (let f = 0; f < F; f++) {
      const v = (f * R * Nm) / (N * Rm)
      if (v > Fm - 1 + 1e-9) {
        if (fTop === F) fTop = f
        continue
      }
      const v0 = Math.min(Fm - 2, Math.floor(v))
      this.binPos[f] = Math.max(0, v0)
      this.binFrac[f] = Fm > 1 ? v - this.binPos[f] : 0
      if (bandLo === F && (f * R) / N >= Rm / 4) bandLo = f
    }
    this.fTop = fTop
    this.bandLo = bandLo
    this.sk = Math.max(0, this.k - 1) // sources synthesised by masking; the last one by subtraction
    this.mrow = Array.from({ length: this.sk }, () => new Float32Array(Fm))
    this.omask = Array.from({ length: this.sk }, () => new Float32Array(F))
    this.mag = new Float32Array(F)
    // --- buffers ---
    this.L = B * H + N
    this.acc = Array.from({ length: this.sk * C }, () => new Float64Array(this.L)) // [s * C + c]
    this.spec = Array.from({ length: C }, () => new Float64Array(N + 2))
    this.blockOut = Array.from({ length: this.k }, () =>
      Array.from({ length: C }, () => new Float32Array(this.L)),
    )
    this.energy = new Float64Array(this.k)
    this.nrm = new Float64Array(this.L)
    this.rest = new Float64Array(this.L) // input minus the masked stems: the last stem
    this.base = r0
    this.emitted = r0
    this.pendingDone = r0
  }

  /** Masks, forward STFT, masked inverse STFT and overlap-add of output frames [tb, te). */
  processFrames(tb: number, te: number): void {
    if (this.sk === 0) return // one source: the stem is the input
    for (let t = tb; t < te; t++) {
      const c0 = performance.now()
      this.frameMasks(t)
      const start = t * this.H - this.half
      for (let c = 0; c < this.C; c++)
        this.fft.forwardWindowed(this.channels[c], start, this.window, this.spec[c])
      if (this.fTop < this.F) this.extendAboveNyquist()
      const c1 = performance.now()
      this.tApply += c1 - c0
      const i0 = Math.max(0, this.base - start)
      const i1 = Math.min(this.N, this.r1 - start)
      const off = start - this.base
      for (let s = 0; s < this.sk; s++) {
        for (let c = 0; c < this.C; c++) {
          const y = this.fft.inverseMasked(this.spec[c], this.omask[s])
          overlapAdd(this.acc[s * this.C + c], off, this.window, y, i0, i1)
        }
      }
      this.tIstft += performance.now() - c1
    }
  }

  /** Interpolated masks of output frame t for sources 0..k-2 (output bins below the model's Nyquist). */
  private frameMasks(t: number): void {
    const masks = this.masks
    const Tm = masks.frames
    const Fm = masks.bins
    let u = t * this.frameScale
    if (u > Tm - 1) u = Tm - 1
    const u0 = Math.min(Math.floor(u), Math.max(0, Tm - 2))
    const b = Tm > 1 ? u - u0 : 0
    const fTop = this.fTop
    const binPos = this.binPos
    const binFrac = this.binFrac
    for (let s = 0; s < this.sk; s++) {
      const ra = masks.row(u0, s)
      const m = this.mrow[s]
      if (b === 0) m.set(ra)
      else {
        const rb = masks.row(Math.min(Tm - 1, u0 + 1), s)
        for (let f = 0; f < Fm; f++) m[f] = ra[f] + b * (rb[f] - ra[f])
      }
      const om = this.omask[s]
      for (let f = 0; f < fTop; f++) {
        const p = binPos[f]
        om[f] = m[p] + binFrac[f] * (m[p + 1] - m[p])
      }
    }
  }

  /** Bins above the model's Nyquist: the magnitude-weighted mean mask of the model's top octave. */
  private extendAboveNyquist(): void {
    const { bandLo, fTop, F, mag, spec, C } = this
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
    for (let s = 0; s < this.sk; s++) {
      const om = this.omask[s]
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

  /**
   * Fills blockOut with the samples completed by frames < te (normalised; the last stem = input
   * minus the others) and returns their count; call advance() after the sink took them.
   */
  emit(te: number): number {
    const c0 = performance.now()
    const done = te >= this.tEnd ? this.r1 : Math.min(this.r1, te * this.H - this.half)
    const len = done - this.emitted
    if (len <= 0) return 0
    const { nrm, rest, acc, blockOut, energy, C, sk, k } = this
    const off = this.emitted - this.base
    const emitted = this.emitted
    const lo = this.half
    const hi = this.n - this.half - this.H
    // 1 / (window-square sum): constant 1/1.5 inside, exact sums near the ends.
    for (let i = 0; i < len; i++) {
      const abs = emitted + i
      nrm[i] = abs >= lo && abs < hi ? 1 / 1.5 : this.invEnv(abs)
    }
    for (let c = 0; c < C; c++) {
      const x = this.channels[c]
      for (let i = 0; i < len; i++) rest[i] = x[emitted + i]
      for (let s = 0; s < sk; s++)
        energy[s] += emitSource(acc[s * C + c], off, nrm, blockOut[s][c], rest, len)
      energy[k - 1] += emitRest(rest, blockOut[k - 1][c], len)
    }
    this.pendingDone = done
    this.tIstft += performance.now() - c0
    return len
  }

  /** Shifts the accumulators past the emitted samples. */
  advance(): void {
    const done = this.pendingDone
    const shift = done - this.base
    for (const a of this.acc) {
      a.copyWithin(0, shift)
      a.fill(0, this.L - shift)
    }
    this.base = done
    this.emitted = done
  }

  /** 1 / (sum over frames of w^2) at sample i (the ends of the file). */
  private invEnv(i: number): number {
    const { half, H, T, window } = this
    let s = 0
    const tMin = Math.max(0, Math.ceil((i - half + 1) / H))
    const tMax = Math.min(T - 1, Math.floor((i + half) / H))
    for (let t = tMin; t <= tMax; t++) {
      const w = window[i - t * H + half]
      s += w * w
    }
    return s > 1e-10 ? 1 / s : 0
  }
}

/** a[off + i] += w[i] * y[i] for i in [i0, i1). */
function overlapAdd(
  a: Float64Array,
  off: number,
  w: Float64Array,
  y: Float64Array,
  i0: number,
  i1: number,
): void {
  for (let i = i0; i < i1; i++) a[off + i] += w[i] * y[i]
}

/** out[i] = float32(a[off + i] * nrm[i]); rest[i] -= out[i]; returns the energy of out. */
function emitSource(
  a: Float64Array,
  off: number,
  nrm: Float64Array,
  out: Float32Array,
  rest: Float64Array,
  len: number,
): number {
  let e = 0
  for (let i = 0; i < len; i++) {
    const v = Math.fround(a[off + i] * nrm[i])
    out[i] = v
    rest[i] -= v
    e += v * v
  }
  return e
}

/** out[i] = float32(rest[i]); returns the energy of out. */
function emitRest(rest: Float64Array, out: Float32Array, len: number): number {
  let e = 0
  for (let i = 0; i < len; i++) {
    const v = Math.fround(rest[i])
    out[i] = v
    e += v * v
  }
  return e
}
