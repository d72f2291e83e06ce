/**
 * Project files (`.unweave`, docs/project-format.md): a zip container (fflate) holding
 *   manifest.json  the audio file's path, size and sha256, model, engine settings, sources, the mask
 *                  grid, the edit history's records and a sha256 of every binary entry
 *   masks.bin      the automatic masks, canonical (src/engine/edits/codec.ts: 'labels-u8' or 'u12-planes')
 *   history.bin    the selection weights of the undo and redo stacks (uint8)
 *   centroids.bin  optional: the clustering's centroids (float32), for re-clustering after re-analysis
 * The edited masks are not stored: opening replays the undo stack over the automatic masks, which
 * gives the very same floats (the edit code is deterministic). Saving is atomic (temp + rename).
 * No Electron import: the app, the CLI and tests use it alike.
 *
 * project-data.ts: the project in memory; write.ts / read.ts: the file; zip.ts, crc32.ts,
 * entries.ts (chunked compression), hash.ts: the container's pieces; export.ts: its stems.
 */
export * from './project-data'
export { encodeProject, saveProject, type SaveOptions } from './write'
export {
  checkProjectAudio,
  decodeProject,
  gridFrames,
  gridMisfit,
  openProject,
  relocateAudio,
  requireAudio,
  type MaskGrid,
} from './read'
export { PROJECT_LIMITS } from './limits'
export * from './export'
