/**
 * Worker thread of the engine process that runs clustering jobs (k-means + masks), so a k-means
 * never holds up the engine process's other requests, and neighbouring source counts can be
 * computed in the background. The analysis arrives once per file in shared memory.
 */
import { parentPort } from 'node:worker_threads'
import { suggestSourceCount, type Analysis } from '../engine/index'
import {
  entryTransfers,
  runClusterJob,
  type FromClusterWorker,
  type ToClusterWorker,
} from './cluster-jobs'

const analyses = new Map<string, Analysis>()
const port = parentPort!

port.on('message', (msg: ToClusterWorker) => {
  if (msg.type === 'analysis') analyses.set(msg.key, msg.analysis)
  else if (msg.type === 'forget') analyses.delete(msg.key)
  else {
    const a = analyses.get(msg.key)
    let reply: FromClusterWorker
    let transfer: ArrayBuffer[] = []
    try {
      if (!a) throw new Error('the analysis is gone (another file was opened)')
      if (msg.type === 'suggest') {
        reply = { type: 'suggested', id: msg.id, suggestion: suggestSourceCount(a, msg.maxK) }
      } else {
        const entry = runClusterJob(a, msg.k, msg.mode)
        reply = { type: 'done', id: msg.id, entry }
        transfer = entryTransfers(entry)
      }
    } catch (e) {
      reply = { type: 'failed', id: msg.id, message: e instanceof Error ? e.message : String(e) }
    }
    port.postMessage(reply, transfer)
  }
})
