import type { Analysis, Clustering, MaskMode, MaskOptions, SourceMasks } from '../types'

/** One mask per source on the model grid; the k masks of every bin (silent ones too) sum to 1. */
export function sourceMasks(
  _analysis: Analysis,
  _clustering: Clustering,
  _mode: MaskMode,
  _opts: MaskOptions = {},
): SourceMasks {
  throw new Error('sourceMasks: not implemented')
}
