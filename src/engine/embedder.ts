/** The network sits behind this interface (habit 6); only src/node/onnx-embedder.ts implements it with onnxruntime. */
export interface Embedder {
  /** Embedding dimension D. */
  readonly dim: number
  /**
   * Embed a batch of feature chunks.
   * features: float32 [batch, frames, bins] (row-major); returns float32 [batch, frames, bins, dim],
   * every D-vector unit-norm.
   */
  embed(features: Float32Array, batch: number, frames: number, bins: number): Promise<Float32Array>
  /** Release native resources. */
  dispose?(): Promise<void>
}
