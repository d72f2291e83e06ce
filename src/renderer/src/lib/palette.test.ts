/**
 * The source colours stay apart for people with the common colour-vision deficiencies: every pair
 * of the 8, simulated for protanopia, deuteranopia and tritanopia (Machado, Oliveira & Fernandes
 * 2009, severity 1, matrices on linear RGB) and for normal vision, differs by CIE76 ΔE >= 15.
 */
import { describe, expect, it } from 'vitest'
import { SOURCE_COLOURS } from '../../../shared/colours'
import { parseHex } from './colour'

const SIMULATIONS: Record<string, number[][]> = {
  normal: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
  tritanopia: [
    [1.255528, -0.076749, -0.178779],
    [-0.078411, 0.930809, 0.147602],
    [0.004733, 0.691367, 0.3039],
  ],
}

const linear = (c: number) => {
  const x = c / 255
  return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4
}

/** CIE L*a*b* (D65) of a linear-RGB colour. */
function lab([r, g, b]: number[]): number[] {
  const X = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
  const Y = 0.2126 * r + 0.7152 * g + 0.0722 * b
  const Z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116)
  return [116 * f(Y) - 16, 500 * (f(X) - f(Y)), 200 * (f(Y) - f(Z))]
}

function simulatedLab(hex: string, m: number[][]): number[] {
  const rgb = parseHex(hex).map(linear)
  const sim = m.map((row) =>
    Math.min(1, Math.max(0, row[0] * rgb[0] + row[1] * rgb[1] + row[2] * rgb[2])),
  )
  return lab(sim)
}

describe('source colours', () => {
  for (const [name, m] of Object.entries(SIMULATIONS)) {
    it(`every pair of the 8 differs by ΔE >= 15 (${name})`, () => {
      const labs = SOURCE_COLOURS.map((c) => simulatedLab(c, m))
      let closest = Infinity
      for (let i = 0; i < labs.length; i++)
        for (let j = i + 1; j < labs.length; j++)
          closest = Math.min(closest, Math.hypot(...labs[i].map((v, d) => v - labs[j][d])))
      expect(closest).toBeGreaterThanOrEqual(15)
    })
  }
})
