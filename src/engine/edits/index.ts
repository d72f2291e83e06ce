/**
 * Hand edits of source masks (issue 5): selections, the edit model with exact undo/redo, the
 * embedding wand, constrained re-clustering and partial re-synthesis. Pure TypeScript over typed
 * arrays (browser-safe): the renderer's preview, the app's export and the CLI run this same code.
 */
export * from './selection'
export { lazyMasks, maskGrid, meanOfMasks, packedFor, planeBytes, type PackedMasks } from './planes'
export {
  EditableMasks,
  type EditAction,
  type EditCommand,
  type TouchedRange,
  type Stroke,
} from './editable-masks'
export { EditablePreparation } from './preparation'
export { canonicalMasks, quantizeMasks, dequantizeMasks } from './canonical'
export { checkAction, mergeRanges } from './edit-ops'
export { MASK_SCALE } from './planes'
export {
  EmbeddingWand,
  computeSimilarity,
  type EmbeddingGrid,
  type WandSelectOptions,
} from './wand'
export { reclusterWithEdits, type BinConstraints, type ReclusterOptions } from './recluster'
export { touchedSampleRange, soloMaskRows, selectionMaskRows } from './resynth'
export {
  encodeHistory,
  decodeHistory,
  encodeMasks,
  decodeMasks,
  type EncodedHistory,
} from './codec'
