/**
 * Node services shared by the app's engine process and the `unweave` command: audio decoding and
 * stem writing, the model store and the onnxruntime embedder, `.unweave` project files, and the
 * stem export. They import no Electron. Code outside src/node imports them from here.
 */
export * from './audio-decode'
export { requireRegularFile, statInputFile } from './input-file'
export {
  openStemWriter,
  writeError,
  type StemBits,
  type StemFormat,
  type StemWriter,
  type StemWriterOptions,
} from './audio-encode'
export { writeFileAtomic } from './atomic-file'
export * from './project/index'
export * from './model-store'
export * from './onnx-embedder'
export * from './stem-export'
