import type { Analysis, SourceCountSuggestion } from '../types'

/** Suggests the number of sources (1..maxK) from the embeddings, with a confidence in [0, 1]. */
export function suggestSourceCount(_analysis: Analysis, _maxK = 8): SourceCountSuggestion {
  throw new Error('suggestSourceCount: not implemented')
}
