// Runs an ONNX model with onnxruntime-node on a raw float32 input and writes the raw output.
// usage: node onnx_run.mjs model.onnx input.f32 batch frames bins output.f32 [repeats]
// Prints JSON {dims, ms} (ms = mean wall time of one run after a warm-up).
import { createRequire } from 'node:module'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const require = createRequire(path.join(here, '..', '..', 'package.json'))
const ort = require('onnxruntime-node')

const [modelPath, inPath, b, t, f, outPath, repeatsArg] = process.argv.slice(2)
const dims = [Number(b), Number(t), Number(f)]
const buf = readFileSync(inPath)
const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4)
const threads = Number(process.env.ORT_THREADS || 0)
const opts = threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}
const session = await ort.InferenceSession.create(modelPath, opts)
const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, dims) }
let result = await session.run(feeds)
const repeats = Number(repeatsArg || 0)
let ms = 0
if (repeats > 0) {
  const t0 = performance.now()
  for (let i = 0; i < repeats; i++) result = await session.run(feeds)
  ms = (performance.now() - t0) / repeats
}
const out = result[session.outputNames[0]]
writeFileSync(outPath, Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength))
console.log(JSON.stringify({ dims: out.dims, ms, input: session.inputNames, output: session.outputNames }))
