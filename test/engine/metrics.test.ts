import { describe, expect, it } from 'vitest'
import { siSdr, siSdrImprovement } from '../../bench/metrics'

const sig = (n: number, f: (i: number) => number): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => f(i))

describe('SI-SDR (bench/eval metric)', () => {
  it('is scale-invariant and large for a scaled copy, ~0 dB for equal parts signal and noise', () => {
    const r = sig(1000, (i) => Math.sin(i * 0.1))
    expect(siSdr([r.map((v) => 0.5 * v)], [r])).toBeGreaterThan(100)
    const noise = sig(1000, (i) => Math.sin(i * 1.7 + 0.3))
    const e = r.map((v, i) => v + noise[i])
    expect(Math.abs(siSdr([e], [r]))).toBeLessThan(0.5)
  })
  it('improvement uses the best permutation and is 0 for the mixture itself', () => {
    const a = sig(2000, (i) => Math.sin(i * 0.05))
    const b = sig(2000, (i) => Math.sin(i * 0.9))
    const mix = a.map((v, i) => v + b[i])
    const perfect = siSdrImprovement([[b], [a]], [[a], [b]], [mix])
    expect(perfect).toBeGreaterThan(50)
    const none = siSdrImprovement([[mix], [mix]], [[a], [b]], [mix])
    expect(Math.abs(none)).toBeLessThan(1e-9)
  })
})
