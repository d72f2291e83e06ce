/** The default colours of sources, cycled (the editor, saved projects and the CLI alike). */
export const SOURCE_COLOURS = [
  '#4fb3ff', // blue
  '#ff9f1c', // orange
  '#3ddc97', // green
  '#ff5c8a', // pink
  '#c792ea', // violet
  '#f5d547', // yellow
  '#2ec4b6', // teal
  '#ff6b4a', // vermilion
] as const

/** The default colour of source `i` (0-based). */
export function sourceColour(i: number): string {
  const n = SOURCE_COLOURS.length
  return SOURCE_COLOURS[((i % n) + n) % n]!
}
