/**
 * Entry of the Electron utility process that runs the engine and the onnxruntime embedder.
 * Messages from main arrive on process.parentPort; results and
 * progress go back on it; bulk results go straight to the renderer over the port main hands us
 * with a 'renderer-port' message.
 */
import type { MessagePortMain } from 'electron'
import { EngineHost } from './engine-host'
import { HOST_CONFIG_ENV, type HostConfig, type ToHost } from '../shared/engine-protocol'

const parentPort = process.parentPort
let rendererPort: MessagePortMain | undefined

function readConfig(): HostConfig {
  try {
    const c = JSON.parse(process.env[HOST_CONFIG_ENV] ?? '{}') as Partial<HostConfig>
    return {
      ...(typeof c.modelPath === 'string' ? { modelPath: c.modelPath } : {}),
      ...(typeof c.clusterWorker === 'string' ? { clusterWorker: c.clusterWorker } : {}),
      device: c.device ?? 'auto',
    }
  } catch {
    return { device: 'auto' }
  }
}

const host = new EngineHost(
  {
    post: (msg) => parentPort.postMessage(msg),
    // MessagePortMain copies typed arrays (structured clone across processes).
    postBulk: (msg) => rendererPort?.postMessage(msg),
  },
  readConfig(),
)

parentPort.on('message', (event) => {
  const msg = event.data as ToHost
  if (msg?.type === 'renderer-port') {
    rendererPort?.close()
    rendererPort = event.ports[0]
    rendererPort?.start()
    return
  }
  host.handle(msg)
})

host.start()
