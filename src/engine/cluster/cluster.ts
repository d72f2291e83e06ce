import type { Analysis, ClusterOptions, Clustering } from '../types'

/** Spherical k-means of the active bins' embeddings (k-means++, restarts), then every bin assigned. */
export function clusterSources(
  _analysis: Analysis,
  _k: number,
  _opts: ClusterOptions = {},
): Clustering {
  throw new Error('clusterSources: not implemented')
}
