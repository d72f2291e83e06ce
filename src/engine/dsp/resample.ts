/**
 * Rational sample-rate conversion by a polyphase Kaiser-windowed sinc (our own; any rates, e.g.
 * 44100 -> 16000 = 160/441, 8-192 kHz). Output sample i is the band-limited input evaluated at time
 * i / outRate exactly (zero delay: the kernel is symmetric about that instant), with zeros assumed
 * outside the input. Output length: ceil(n * outRate / inRate), i.e. every instant inside the input.
 *
 * The low-pass is specified relative to the lower of the two Nyquist frequencies: flat to
 * `passband`, at least `attenuationDb` down from `stopband` on (defaults 0.9, 1.0, 100 dB), so
 * nothing that would alias into the band below the output's Nyquist survives.
 */

/** Options of the resampler's low-pass. */
export interface ResampleOptions {
  /** Passband edge, fraction of min(inRate, outRate) / 2. Default 0.9. */
  passband?: number
  /** Stopband edge, fraction of min(inRate, outRate) / 2. Default 1.0. */
  stopband?: number
  /** Stopband attenuation, dB. Default 100. */
  attenuationDb?: number
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b]
  return a
}

/** Modified Bessel function of the first kind, order 0 (power series). */
function besselI0(x: number): number {
  let sum = 1
  let term = 1
  const q = (x * x) / 4
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k)
    sum += term
    if (term < sum * 1e-17) break
  }
  return sum
}

/** Output samples computed per block (bounds the scratch memory of each stage). */
const BLOCK = 1 << 16

/** Writes input samples [from, from + count) into dst[0 .. count), zeros outside the signal. */
type Fill = (dst: Float32Array, from: number, count: number) => void

function arrayFill(x: Float32Array): Fill {
  return (dst, from, count) => {
    const n = x.length
    let i = 0
    for (; i < count && from + i < 0; i++) dst[i] = 0
    const end = Math.min(count, n - from)
    if (end > i) {
      dst.set(x.subarray(from + i, from + end), i)
      i = end
    }
    for (; i < count; i++) dst[i] = 0
  }
}

function meanFill(channels: Float32Array[]): Fill {
  const C = channels.length
  const g = 1 / C
  const n = channels[0].length
  const a = channels[0]
  const b = channels[1]
  return (dst, from, count) => {
    const i0 = Math.max(0, Math.min(count, -from)) // dst[0 .. i0) and [i1 .. count) lie outside
    const i1 = Math.max(i0, Math.min(count, n - from))
    dst.fill(0, 0, i0)
    dst.fill(0, i1, count)
    if (C === 2) {
      for (let i = i0; i < i1; i++) dst[i] = (a[from + i] + b[from + i]) * 0.5
      return
    }
    for (let i = i0; i < i1; i++) {
      let s = 0
      for (let c = 0; c < C; c++) s += channels[c][from + i]
      dst[i] = s * g
    }
  }
}

/** Largest number of exact phases tabulated; beyond it phases are interpolated from this many. */
const MAX_PHASES = 4096

/**
 * Decimation by 2 with a symmetric half-band FIR (every other tap zero, centre tap 1/2): output j is
 * the filtered input at sample 2j (zero delay). Flat to `passHz`, `atten` dB down from rate/2 - passHz.
 */
class HalfbandDecimator {
  /** Odd taps h[1], h[3], ..., h[2H-1] (symmetric: h[-k] = h[k]); h[0] = 1/2. */
  private readonly odd: Float64Array

  constructor(rate: number, passHz: number, atten: number) {
    const dw = (2 * Math.PI * (rate / 2 - 2 * passHz)) / rate
    const beta = kaiserBeta(atten)
    const half = Math.max(1, Math.ceil((atten - 8) / (2.285 * dw) / 4)) // count of odd taps per side
    const N = 2 * half // taps span -N+1 .. N-1 (odd ones), window half-width N
    const i0b = besselI0(beta)
    this.odd = new Float64Array(half)
    let sum = 0
    for (let q = 0; q < half; q++) {
      const k = 2 * q + 1
      const u = k / N
      const win = besselI0(beta * Math.sqrt(Math.max(0, 1 - u * u))) / i0b
      this.odd[q] = (0.5 * Math.sin((Math.PI * k) / 2) * win) / ((Math.PI * k) / 2)
      sum += 2 * this.odd[q]
    }
    for (let q = 0; q < half; q++) this.odd[q] *= 0.5 / sum
  }

  /** Decimates the n samples that `fill` provides: float32 [n] -> float32 [ceil(n / 2)], in blocks. */
  run(fill: Fill, n: number): Float32Array {
    const H = this.odd.length
    const pad = 2 * H
    const out = new Float32Array(Math.ceil(n / 2))
    const h = this.odd
    const x = new Float32Array(2 * BLOCK + 2 * pad + 1)
    for (let j0 = 0; j0 < out.length; j0 += BLOCK) {
      const j1 = Math.min(out.length, j0 + BLOCK)
      const lo = 2 * j0 - pad
      fill(x, lo, 2 * (j1 - 1) + pad + 1 - lo)
      for (let j = j0; j < j1; j++) {
        const c = 2 * j - lo
        let acc = 0.5 * x[c]
        for (let q = 0; q < H; q++) {
          const k = 2 * q + 1
          acc += h[q] * (x[c - k] + x[c + k])
        }
        out[j] = acc
      }
    }
    return out
  }
}

/** Kaiser window beta for a stopband attenuation in dB. */
function kaiserBeta(atten: number): number {
  return atten > 50
    ? 0.1102 * (atten - 8.7)
    : atten > 21
      ? 0.5842 * (atten - 21) ** 0.4 + 0.07886 * (atten - 21)
      : 0
}

/**
 * A reusable converter between two fixed rates: zero or more half-band decimators (while the
 * rate is well above what the output needs), then one polyphase stage.
 */
export class Resampler {
  readonly inRate: number
  readonly outRate: number
  private readonly halfbands: HalfbandDecimator[]
  private readonly final: PolyphaseStage

  constructor(inRate: number, outRate: number, opts: ResampleOptions = {}) {
    if (!(inRate > 0 && outRate > 0) || !Number.isInteger(inRate) || !Number.isInteger(outRate)) {
      throw new RangeError(`sample rates must be positive integers, got ${inRate} -> ${outRate}`)
    }
    this.inRate = inRate
    this.outRate = outRate
    const stop = opts.stopband ?? 1.0
    const atten = opts.attenuationDb ?? 100
    const passHz = (stop * Math.min(inRate, outRate)) / 2
    this.halfbands = []
    let rate = inRate
    while (rate % 2 === 0 && rate / 4 >= 1.1 * passHz && rate / 2 >= outRate) {
      this.halfbands.push(new HalfbandDecimator(rate, passHz, atten))
      rate /= 2
    }
    this.final = new PolyphaseStage(rate, outRate, opts)
  }

  /** Output length for `n` input samples: ceil(n * outRate / inRate). */
  outputLength(n: number): number {
    const g = gcd(this.inRate, this.outRate)
    return Math.ceil((n * (this.outRate / g)) / (this.inRate / g))
  }

  /** Resamples a whole signal: float32 [n] -> float32 [ceil(n * outRate / inRate)]. */
  process(input: Float32Array): Float32Array {
    return this.run(arrayFill(input), input.length)
  }

  /**
   * Resamples the mean of the channels (the downmix fused into the first stage, so no mono copy
   * of the input is made): float32 [C][n] -> float32 [ceil(n * outRate / inRate)].
   */
  processMean(channels: Float32Array[]): Float32Array {
    if (channels.length === 1) return this.process(channels[0])
    return this.run(meanFill(channels), channels[0]?.length ?? 0)
  }

  private run(fill: Fill, n: number): Float32Array {
    let len = n
    let y: Float32Array | null = null
    for (const hb of this.halfbands) {
      y = hb.run(y ? arrayFill(y) : fill, len)
      len = y.length
    }
    const z = this.final.run(y ? arrayFill(y) : fill, len)
    const outLen = this.outputLength(n)
    return z.length === outLen ? z : z.slice(0, outLen)
  }
}

/** One polyphase windowed-sinc stage between two rates. */
class PolyphaseStage {
  readonly inRate: number
  readonly outRate: number
  /** outRate / inRate = up / down, reduced. */
  readonly up: number
  readonly down: number
  /** Half-length of the kernel in input samples; each output uses 2 * halfTaps inputs. */
  readonly halfTaps: number
  /** Phases tabulated (up, or MAX_PHASES when up is larger: then interpolated). */
  private readonly phases: number
  /** taps[(phase * 2K) + m], phase 0..phases (one extra row for interpolation). */
  private readonly taps: Float32Array

  constructor(inRate: number, outRate: number, opts: ResampleOptions = {}) {
    if (!(inRate > 0 && outRate > 0) || !Number.isInteger(inRate) || !Number.isInteger(outRate)) {
      throw new RangeError(`sample rates must be positive integers, got ${inRate} -> ${outRate}`)
    }
    const g = gcd(inRate, outRate)
    this.inRate = inRate
    this.outRate = outRate
    this.up = outRate / g
    this.down = inRate / g
    const pass = opts.passband ?? 0.9
    const stop = opts.stopband ?? 1.0
    const atten = opts.attenuationDb ?? 100
    const nyq = Math.min(inRate, outRate) / 2
    // Kaiser design (cycles per input sample).
    const fc = ((pass + stop) / 2) * (nyq / inRate)
    const dw = (2 * Math.PI * (stop - pass) * nyq) / inRate
    const beta = kaiserBeta(atten)
    const K = Math.max(2, Math.ceil((atten - 8) / (2.285 * dw) / 2))
    this.halfTaps = K
    const width = 2 * K
    this.phases = Math.min(this.up, MAX_PHASES)
    const P = this.phases
    this.taps = new Float32Array((P + 1) * width)
    const i0b = besselI0(beta)
    const tmp = new Float64Array(width)
    for (let r = 0; r <= P; r++) {
      const frac = r / P
      let sum = 0
      for (let m = 0; m < width; m++) {
        // Distance (input samples) from the output instant to input j0 - K + 1 + m.
        const tau = frac + K - 1 - m
        const u = tau / K
        const win = Math.abs(u) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - u * u)) / i0b
        const x = 2 * fc * tau
        const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x)
        tmp[m] = 2 * fc * sinc * win
        sum += tmp[m]
      }
      // Exact unit DC gain for every phase (no phase-dependent ripple at DC).
      for (let m = 0; m < width; m++) this.taps[r * width + m] = tmp[m] / sum
    }
  }

  /** Output length for `n` input samples: ceil(n * up / down). */
  outputLength(n: number): number {
    return Math.ceil((n * this.up) / this.down)
  }

  /** Resamples the n samples that `fill` provides: float32 [n] -> float32 [ceil(n * up / down)], in blocks. */
  run(fill: Fill, n: number): Float32Array {
    const outLen = this.outputLength(n)
    const out = new Float32Array(outLen)
    if (n === 0) return out
    const K = this.halfTaps
    const up = this.up
    const down = this.down
    const padded = new Float32Array(Math.ceil((BLOCK * down) / up) + 2 * K + 2)
    for (let i0 = 0; i0 < outLen; i0 += BLOCK) {
      const i1 = Math.min(outLen, i0 + BLOCK)
      // Output i reads inputs j0(i) - K + 1 .. j0(i) + K, j0(i) = floor(i * down / up).
      const lo = Math.floor((i0 * down) / up) - K + 1
      const hi = Math.floor(((i1 - 1) * down) / up) + K + 1
      fill(padded, lo, hi - lo)
      this.block(padded, lo, i0, i1, out)
    }
    return out
  }

  /** Outputs [i0, i1) from x, where x[m] is input sample lo + m. */
  private block(padded: Float32Array, lo: number, i0: number, i1: number, out: Float32Array): void {
    const K = this.halfTaps
    const width = 2 * K
    const taps = this.taps
    const up = this.up
    const down = this.down
    if (this.phases === up) {
      // Output i: j0 = floor(i * down / up), phase r = (i * down) mod up; first input j0 - K + 1.
      let j0 = Math.floor((i0 * down) / up)
      let r = i0 * down - j0 * up
      for (let i = i0; i < i1; i++) {
        const base = j0 - K + 1 - lo
        const t0 = r * width
        let a0 = 0
        let a1 = 0
        let a2 = 0
        let a3 = 0
        let m = 0
        for (; m + 3 < width; m += 4) {
          a0 += padded[base + m] * taps[t0 + m]
          a1 += padded[base + m + 1] * taps[t0 + m + 1]
          a2 += padded[base + m + 2] * taps[t0 + m + 2]
          a3 += padded[base + m + 3] * taps[t0 + m + 3]
        }
        for (; m < width; m++) a0 += padded[base + m] * taps[t0 + m]
        out[i] = a0 + a1 + (a2 + a3)
        r += down
        while (r >= up) {
          r -= up
          j0++
        }
      }
    } else {
      const P = this.phases
      let j0 = Math.floor((i0 * down) / up)
      let r = i0 * down - j0 * up
      for (let i = i0; i < i1; i++) {
        const base = j0 - K + 1 - lo
        const pos = (r / up) * P
        const q = Math.min(P - 1, Math.floor(pos))
        const a = pos - q
        const t0 = q * width
        const t1 = t0 + width
        let acc0 = 0
        let acc1 = 0
        for (let m = 0; m < width; m++) {
          const x = padded[base + m]
          acc0 += x * taps[t0 + m]
          acc1 += x * taps[t1 + m]
        }
        out[i] = acc0 + a * (acc1 - acc0)
        r += down
        while (r >= up) {
          r -= up
          j0++
        }
      }
    }
  }
}

/** Resamples `input` from inRate to outRate (identity copy when equal). */
export function resample(
  input: Float32Array,
  inRate: number,
  outRate: number,
  opts: ResampleOptions = {},
): Float32Array {
  if (inRate === outRate) return input.slice()
  return new Resampler(inRate, outRate, opts).process(input)
}
