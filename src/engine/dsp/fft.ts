/**
 * Fast Fourier transforms over Float64Array, no allocation per call.
 *
 * `ComplexFft(m)`: in-place-style radix-4 (plus one radix-2 pass when log2 m is odd) decimation in
 * time, with the bit-reversal folded into the input copy and per-stage contiguous twiddle tables.
 * `RealFft(n)`: real input of length n through a complex FFT of length n/2 (even samples as the real
 * part, odd ones as the imaginary part) and one O(n) split pass.
 *
 * Conventions: forward X[k] = sum_t x[t] e^{-2 pi i k t / n} (unnormalised, like numpy/torch);
 * inverse is the exact inverse (scaled by 1/n). Complex data is interleaved [re0, im0, re1, im1, ...].
 */

/** True when n is a power of two >= 1. */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0
}

/** Complex FFT of size m (a power of two), interleaved Float64Array data. */
export class ComplexFft {
  readonly size: number
  /** Bit-reversed index of every k < m (RealFft permutes its input with it too). */
  readonly rev: Uint32Array
  /** Per radix-4 stage: [w1r, w1i, w2r, w2i, w3r, w3i] for j = 0..L-1, forward sign. */
  private readonly tw: Float64Array[]
  private readonly stageL: number[]
  private readonly oddPass: boolean
  private readonly work: Float64Array

  constructor(m: number) {
    if (!isPowerOfTwo(m)) throw new RangeError(`FFT size must be a power of two, got ${m}`)
    this.size = m
    const bits = Math.round(Math.log2(m))
    this.rev = new Uint32Array(m)
    for (let k = 0; k < m; k++) {
      let r = 0
      for (let b = 0, v = k; b < bits; b++, v >>= 1) r = (r << 1) | (v & 1)
      this.rev[k] = r
    }
    this.oddPass = bits % 2 === 1
    this.tw = []
    this.stageL = []
    for (let L = this.oddPass ? 2 : 1; L * 4 <= m; L *= 4) {
      const t = new Float64Array(6 * L)
      for (let j = 0; j < L; j++) {
        const a = (-2 * Math.PI * j) / (4 * L)
        t[6 * j] = Math.cos(a)
        t[6 * j + 1] = Math.sin(a)
        t[6 * j + 2] = Math.cos(2 * a)
        t[6 * j + 3] = Math.sin(2 * a)
        t[6 * j + 4] = Math.cos(3 * a)
        t[6 * j + 5] = Math.sin(3 * a)
      }
      this.tw.push(t)
      this.stageL.push(L)
    }
    this.work = new Float64Array(2 * m)
  }

  /** out = FFT(input) (inverse=false) or the unnormalised inverse sum (inverse=true); both length 2m. */
  transform(input: Float64Array, out: Float64Array, inverse = false): void {
    const m = this.size
    const rev = this.rev
    for (let k = 0; k < m; k++) {
      const r = rev[k] << 1
      out[r] = input[2 * k]
      out[r + 1] = input[2 * k + 1]
    }
    this.butterflies(out, inverse)
  }

  /** Runs the butterflies on data already in bit-reversed order (in place). */
  butterflies(x: Float64Array, inverse: boolean): void {
    const m = this.size
    if (m === 1) return
    if (this.oddPass) {
      for (let i = 0; i < 2 * m; i += 4) {
        const ar = x[i]
        const ai = x[i + 1]
        const br = x[i + 2]
        const bi = x[i + 3]
        x[i] = ar + br
        x[i + 1] = ai + bi
        x[i + 2] = ar - br
        x[i + 3] = ai - bi
      }
    }
    const s = inverse ? -1 : 1
    const stages = this.stageL.length
    for (let st = 0; st < stages; st++) {
      const L = this.stageL[st]
      const t = this.tw[st]
      const L2 = 2 * L // interleaved offsets
      const group = 8 * L
      if (L === 1) {
        for (let g = 0; g < 2 * m; g += 8) {
          const ar = x[g]
          const ai = x[g + 1]
          const cr = x[g + 2]
          const ci = x[g + 3]
          const br = x[g + 4]
          const bi = x[g + 5]
          const dr = x[g + 6]
          const di = x[g + 7]
          butterfly4(x, g, g + 4, g + 2, g + 6, ar, ai, br, bi, cr, ci, dr, di, s)
        }
        continue
      }
      radix4(x, 2 * m, L2, group, t, s)
    }
  }
}

/**
 * One radix-4 DIT stage: for every twiddle index j (outer, so its twiddles load once) and every
 * group of 4L (inner): 3 complex multiplies, 8 complex adds. `s` is 1 forward and -1 inverse
 * (conjugate twiddles, and the -i rotation of the odd difference becomes +i).
 */
function radix4(
  x: Float64Array,
  len: number,
  L2: number,
  group: number,
  t: Float64Array,
  s: number,
): void {
  for (let j = 0, tj = 0; j < L2; j += 2, tj += 6) {
    const w1r = t[tj]
    const w1i = t[tj + 1] * s
    const w2r = t[tj + 2]
    const w2i = t[tj + 3] * s
    const w3r = t[tj + 4]
    const w3i = t[tj + 5] * s
    for (let ia = j; ia < len; ia += group) {
      const ic = ia + L2
      const ib = ic + L2
      const id = ib + L2
      const ar = x[ia]
      const ai = x[ia + 1]
      const xbr = x[ib]
      const xbi = x[ib + 1]
      const xcr = x[ic]
      const xci = x[ic + 1]
      const xdr = x[id]
      const xdi = x[id + 1]
      const br = xbr * w1r - xbi * w1i
      const bi = xbr * w1i + xbi * w1r
      const cr = xcr * w2r - xci * w2i
      const ci = xcr * w2i + xci * w2r
      const dr = xdr * w3r - xdi * w3i
      const di = xdr * w3i + xdi * w3r
      butterfly4(x, ia, ib, ic, id, ar, ai, br, bi, cr, ci, dr, di, s)
    }
  }
}

/**
 * The radix-4 butterfly on a (at ia), b, c, d (already multiplied by their twiddles), written back
 * in place: X0 = a+b+c+d at ia, X2 = (a+c)-(b+d) at ib, X1 and X3 with the (b-d) difference turned
 * by -i (s = 1, forward) or +i (s = -1, inverse) at ic and id.
 */
function butterfly4(
  x: Float64Array,
  ia: number,
  ib: number,
  ic: number,
  id: number,
  ar: number,
  ai: number,
  br: number,
  bi: number,
  cr: number,
  ci: number,
  dr: number,
  di: number,
  s: number,
): void {
  const t0r = ar + cr
  const t0i = ai + ci
  const t1r = ar - cr
  const t1i = ai - ci
  const t2r = br + dr
  const t2i = bi + di
  const t3r = (br - dr) * s
  const t3i = (bi - di) * s
  x[ia] = t0r + t2r
  x[ia + 1] = t0i + t2i
  x[ib] = t0r - t2r
  x[ib + 1] = t0i - t2i
  x[ic] = t1r + t3i
  x[ic + 1] = t1i - t3r
  x[id] = t1r - t3i
  x[id + 1] = t1i + t3r
}

/** Real FFT of size n (a power of two >= 2): n real samples <-> n/2+1 complex bins. */
export class RealFft {
  readonly size: number
  /** n/2 + 1. */
  readonly bins: number
  private readonly half: ComplexFft
  private readonly rev: Uint32Array
  /** W_n^k = e^{-2 pi i k / n} for k = 0..n/4, interleaved. */
  private readonly wr: Float64Array
  private readonly wi: Float64Array
  private readonly z: Float64Array

  constructor(n: number) {
    if (!isPowerOfTwo(n) || n < 2)
      throw new RangeError(`real FFT size must be a power of two >= 2, got ${n}`)
    this.size = n
    this.bins = n / 2 + 1
    const m = n / 2
    this.half = new ComplexFft(m)
    this.rev = this.half.rev
    this.wr = new Float64Array(m + 1)
    this.wi = new Float64Array(m + 1)
    for (let k = 0; k <= m; k++) {
      this.wr[k] = Math.cos((-2 * Math.PI * k) / n)
      this.wi[k] = Math.sin((-2 * Math.PI * k) / n)
    }
    this.z = new Float64Array(2 * m)
  }

  /** out[0 .. n+1] = interleaved X[0 .. n/2] of the n real samples in input[0 .. n-1]. */
  forward(input: Float64Array, out: Float64Array): void {
    this.half.transform(input, this.z) // the n reals as n/2 interleaved complex values
    this.split(out)
  }

  /**
   * Forward transform of window[i] * signal[start + i], i < n, with zeros outside the signal
   * (the windowing fused into the input permutation): one STFT frame, no frame buffer.
   */
  forwardWindowed(
    signal: Float32Array,
    start: number,
    window: Float64Array,
    out: Float64Array,
  ): void {
    const m = this.size >> 1
    const z = this.z
    const rev = this.rev
    const len = signal.length
    if (start >= 0 && start + 2 * m <= len) {
      for (let k = 0; k < m; k++) {
        const r = rev[k] << 1
        z[r] = window[2 * k] * signal[start + 2 * k]
        z[r + 1] = window[2 * k + 1] * signal[start + 2 * k + 1]
      }
    } else {
      for (let k = 0; k < m; k++) {
        const r = rev[k] << 1
        const a = start + 2 * k
        z[r] = a >= 0 && a < len ? window[2 * k] * signal[a] : 0
        z[r + 1] = a + 1 >= 0 && a + 1 < len ? window[2 * k + 1] * signal[a + 1] : 0
      }
    }
    this.half.butterflies(this.z, false)
    this.split(out)
  }

  /** The split of the half-size transform in z into the n/2+1 bins of out. */
  private split(out: Float64Array): void {
    const m = this.size >> 1
    const z = this.z
    const wr = this.wr
    const wi = this.wi
    out[0] = z[0] + z[1]
    out[1] = 0
    out[2 * m] = z[0] - z[1]
    out[2 * m + 1] = 0
    for (let k = 1; k <= m >> 1; k++) {
      const mk = m - k
      const zr = z[2 * k]
      const zi = z[2 * k + 1]
      const yr = z[2 * mk]
      const yi = -z[2 * mk + 1] // conj(Z[m-k])
      const er = 0.5 * (zr + yr)
      const ei = 0.5 * (zi + yi)
      // O = (Z - conj Z[m-k]) / (2i) = (dr + i di) / (2i) = (di - i dr) / 2
      const or = 0.5 * (zi - yi)
      const oi = -0.5 * (zr - yr)
      const c = wr[k]
      const s = wi[k]
      const pr = c * or - s * oi
      const pi = c * oi + s * or
      out[2 * k] = er + pr
      out[2 * k + 1] = ei + pi
      out[2 * mk] = er - pr
      out[2 * mk + 1] = -(ei - pi)
    }
  }

  /** out[0 .. n-1] = the real signal whose spectrum is spec (interleaved, n+2); exact inverse. */
  inverse(spec: Float64Array, out: Float64Array): void {
    const z = this.inverseInternal(spec, null)
    out.set(z)
  }

  /**
   * Inverse of gain[f] * spec[f] (gain float32 [n/2+1], or none), returned in this instance's own
   * buffer (float64 [n], valid until the next call): the masking and the output copy fused away.
   */
  inverseMasked(spec: Float64Array, gain: Float32Array | null): Float64Array {
    return this.inverseInternal(spec, gain)
  }

  private inverseInternal(spec: Float64Array, gain: Float32Array | null): Float64Array {
    const m = this.size >> 1
    const z = this.z
    const rev = this.rev
    const wr = this.wr
    const wi = this.wi
    const sc = 0.5 / m
    // Z[k] = E + i O with E = (X[k] + conj X[m-k]) / 2, O = (X[k] - conj X[m-k]) conj(W^k) / 2, then / m.
    {
      const x0 = gain ? spec[0] * gain[0] : spec[0]
      const xm = gain ? spec[2 * m] * gain[m] : spec[2 * m]
      const r = 0 // rev[0] = 0
      z[r] = sc * (x0 + xm)
      z[r + 1] = sc * (x0 - xm)
    }
    for (let k = 1; k <= m >> 1; k++) {
      const mk = m - k
      const gk = gain ? gain[k] : 1
      const gm = gain ? gain[mk] : 1
      const xr = spec[2 * k] * gk
      const xi = spec[2 * k + 1] * gk
      const yr = spec[2 * mk] * gm
      const yi = -spec[2 * mk + 1] * gm
      const er = xr + yr
      const ei = xi + yi
      const dr = xr - yr
      const di = xi - yi
      const c = wr[k]
      const s = -wi[k] // conj(W^k)
      const or = dr * c - di * s
      const oi = dr * s + di * c
      // Z[k] = E + i O ; Z[m-k] = conj(E) + i conj(O)
      let r = rev[k] << 1
      z[r] = sc * (er - oi)
      z[r + 1] = sc * (ei + or)
      if (mk !== k) {
        r = rev[mk] << 1
        z[r] = sc * (er + oi)
        z[r + 1] = sc * (or - ei)
      }
    }
    this.half.butterflies(z, true)
    // z[2k] + i z[2k+1] = x[2k] + i x[2k+1]: the interleaved buffer is the signal itself.
    return z
  }
}
