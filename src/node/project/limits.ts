/**
 * What a project file may ask of the reader, checked before anything is allocated for it, so that
 * a file from elsewhere (damaged or crafted) costs at most about 1 GB and a few seconds to refuse.
 * The largest real projects stay well inside: a 30-minute recording with 4 sources is 116 M mask
 * values; 1,000 edits of a 10-minute song touch ~20 M weights.
 */
const MiB = 1024 * 1024

/** Caps of the project reader (docs/project-format.md, "Limits"). */
export const PROJECT_LIMITS = {
  /** The file itself (read whole: its binary entries are used as views). */
  fileBytes: 384 * MiB,
  /** Entries in the zip container (a project has 3 or 4). */
  entries: 16,
  /** manifest.json, inflated. */
  manifestBytes: 16 * MiB,
  /** Sources (the app separates into 1..8). */
  sources: 8,
  /** frames x bins x k of the mask grid (float32 copies of the masks: 4 bytes each). */
  gridValues: 2 ** 27,
  /** Centroid dimension (the model's embedding size, + 1 with the stereo cue). */
  centroidDim: 4096,
  /** Undo plus redo commands. */
  commands: 100_000,
  /** Selection weights of all commands together (frames x bins summed): the replay's work. */
  touchedWeights: 2 ** 28,
  /** Undo memory the replay would build (bins edited again keep 8 + 4k bytes each). */
  undoBytes: 256 * MiB,
} as const
