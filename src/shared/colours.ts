/**
 * The default colours of sources, cycled (the editor, saved projects and the CLI alike): Okabe &
 * Ito's palette for colour-vision deficiencies, its black replaced by a light grey (the
 * spectrogram is dark), in the order that keeps the first k most apart for every k. Under
 * simulated protanopia, deuteranopia and tritanopia (Machado et al. 2009) no two of them are
 * closer than CIE76 ΔE 16 (src/renderer/src/lib/palette.test.ts).
 */
export const SOURCE_COLOURS = [
  '#56b4e9', // sky blue
  '#d55e00', // vermillion
  '#f0e442', // yellow
  '#0072b2', // blue
  '#cc79a7', // reddish purple
  '#e69f00', // orange
  '#009e73', // bluish green
  '#e8e8e8', // light grey
] as const

/** The default colour of source `i` (0-based). */
export function sourceColour(i: number): string {
  const n = SOURCE_COLOURS.length
  return SOURCE_COLOURS[((i % n) + n) % n]!
}
