/** sha256 of files (on a worker thread) and of bytes, lowercase hex. */
import { createHash } from 'node:crypto'
import { Worker } from 'node:worker_threads'

/**
 * The worker that hashes a file: a recording is ~100 MB for 10 minutes, and hashing it on the
 * calling thread would hold up decoding the project for ~0.2 s; on a worker it runs beside it.
 */
const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const { createReadStream } = require('node:fs')
const h = createHash('sha256')
createReadStream(workerData, { highWaterMark: 1 << 20 })
  .on('data', (b) => h.update(b))
  .on('error', (e) => parentPort.postMessage({ error: String(e && e.message) }))
  .on('end', () => parentPort.postMessage({ hex: h.digest('hex') }))
`

/** sha256 of a file's bytes (streamed, on a worker thread), lowercase hex. */
export function sha256File(path: string): Promise<string> {
  return new Promise<string>((res, rej) => {
    const w = new Worker(HASH_WORKER, { eval: true, workerData: path })
    w.once('message', (m: { hex?: string; error?: string }) => {
      void w.terminate()
      if (m.hex) res(m.hex)
      else rej(new Error(m.error ?? 'hashing failed'))
    })
    w.once('error', rej)
  })
}

/** sha256 of bytes, lowercase hex. */
export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
