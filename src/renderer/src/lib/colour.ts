/**
 * Colour maps and source colours. Pixels are packed as little-endian RGBA in a Uint32
 * (0xAABBGGRR), the layout of ImageData viewed through a Uint32Array.
 */

/** Packs 8-bit r, g, b, a into one ImageData pixel (little-endian). */
export function packRgba(r: number, g: number, b: number, a = 255): number {
  return ((a & 255) << 24) | ((b & 255) << 16) | ((g & 255) << 8) | (r & 255)
}

/** Control points of a magma-like map, [position, r, g, b]. */
const MAGMA: [number, number, number, number][] = [
  [0.0, 0, 0, 4],
  [0.13, 28, 16, 68],
  [0.25, 79, 18, 123],
  [0.38, 129, 37, 129],
  [0.5, 181, 54, 122],
  [0.63, 229, 80, 100],
  [0.75, 251, 135, 97],
  [0.88, 254, 194, 135],
  [1.0, 252, 253, 191],
]

/** Near-neutral grey ramp, used under the mask overlay so source colours read clearly. */
const GREY: [number, number, number, number][] = [
  [0, 6, 7, 10],
  [0.5, 92, 96, 108],
  [1, 245, 246, 250],
]

/** Names of the spectrogram colour maps. */
export type ColourMapName = 'magma' | 'grey'

const lutCache = new Map<ColourMapName, Uint32Array>()

/** 256-entry lookup table of packed pixels for a colour map (index 0 = quietest). */
export function colourLut(name: ColourMapName): Uint32Array {
  const cached = lutCache.get(name)
  if (cached) return cached
  const stops = name === 'magma' ? MAGMA : GREY
  const lut = new Uint32Array(256)
  for (let i = 0; i < 256; i++) {
    const p = i / 255
    let j = 0
    while (j < stops.length - 2 && stops[j + 1][0] < p) j++
    const [p0, r0, g0, b0] = stops[j]
    const [p1, r1, g1, b1] = stops[j + 1]
    const t = p1 > p0 ? (p - p0) / (p1 - p0) : 0
    lut[i] = packRgba(r0 + (r1 - r0) * t, g0 + (g1 - g0) * t, b0 + (b1 - b0) * t)
  }
  lutCache.set(name, lut)
  return lut
}

/** Parses "#rrggbb" (or "#rgb") into [r, g, b]; unknown input gives grey. */
export function parseHex(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim())
  if (!m) return [128, 128, 128]
  let h = m[1]
  if (h.length === 3) h = h[0] + h[0] + h[1] + h[1] + h[2] + h[2]
  const n = parseInt(h, 16)
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255]
}
