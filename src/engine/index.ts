/**
 * The separation engine's public surface (API.md). Pure TypeScript over typed arrays: no Electron,
 * no Node built-ins, so it runs in Node, a utility process, the CLI, tests and a Web Worker alike.
 */
export type * from './types'
export type { Embedder } from './embedder'
export { analyse } from './analyse'
export { suggestSourceCount } from './cluster/suggest'
export { clusterSources } from './cluster/cluster'
export { sourceMasks } from './masks/masks'
export { synthesizeStems } from './masks/synthesize'
export { separate } from './separate'
export { magnitudeSpectrogram } from './spectrogram'
