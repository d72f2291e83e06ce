/**
 * The preload: exposes `window.api` (the UnweaveApi of src/shared/ipc.ts) and nothing raw:
 * one named function per channel of the contract, an event
 * subscription that returns its unsubscribe, and `pathForFile` for drag and drop.
 *
 * Bulk channels (spectrogram, masks, audio) ask main, which validates and forwards the request;
 * the engine process then posts the arrays straight to this page's engine port, matched by a
 * bulk id, so they never pass through main.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron'
import {
  BULK_CHANNELS,
  CHANNELS,
  ENGINE_PORT_CHANNEL,
  EVENT_CHANNEL,
  ipcChannelName,
  type AppEvent,
  type BulkMessage,
  type Channel,
  type IpcResult,
  type UnweaveApi,
} from '../shared/ipc'

/** How long a bulk value may trail main's acknowledgement before the call fails. */
const BULK_GRACE_MS = 30_000

const bulkChannels = new Set<Channel>(BULK_CHANNELS)
const waiting = new Map<string, (m: BulkMessage) => void>()
/** The DOM MessagePort Electron hands the preload (typed structurally: no DOM lib here). */
interface EnginePort {
  onmessage: ((e: { data: unknown }) => void) | null
  close(): void
}
let port: EnginePort | undefined
let counter = 0

ipcRenderer.on(ENGINE_PORT_CHANNEL, (event) => {
  port?.close()
  port = event.ports[0] as unknown as EnginePort | undefined
  if (!port) return
  port.onmessage = (e) => {
    const m = e.data as BulkMessage | null
    if (!m || typeof m.bulkId !== 'string') return
    const w = waiting.get(m.bulkId)
    if (w) {
      waiting.delete(m.bulkId)
      w(m)
    }
  }
})

async function invoke(channel: Channel, args: unknown): Promise<IpcResult<unknown>> {
  try {
    if (!bulkChannels.has(channel)) {
      return (await ipcRenderer.invoke(ipcChannelName(channel), args ?? {})) as IpcResult<unknown>
    }
    const bulkId = `b${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 10)}`
    const arrived = new Promise<BulkMessage>((resolve) => waiting.set(bulkId, resolve))
    const ack = (await ipcRenderer.invoke(
      ipcChannelName(channel),
      args ?? {},
      bulkId,
    )) as IpcResult<unknown>
    if (ack.type === 'error') {
      waiting.delete(bulkId)
      return ack
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<BulkMessage>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            bulkId,
            type: 'error',
            code: 'engine',
            message: 'The engine did not deliver its answer; try again.',
          }),
        BULK_GRACE_MS,
      )
    })
    const m = await Promise.race([arrived, timeout])
    clearTimeout(timer)
    waiting.delete(bulkId)
    return m.type === 'result'
      ? { type: 'ok', value: m.value }
      : { type: 'error', code: m.code, message: m.message }
  } catch (e) {
    return { type: 'error', code: 'internal', message: `The app did not answer: ${String(e)}` }
  }
}

const api: Record<string, unknown> = {}
for (const channel of CHANNELS) api[channel] = (args?: unknown) => invoke(channel, args)
api.onEvent = (listener: (event: AppEvent) => void): (() => void) => {
  const handler = (_e: Electron.IpcRendererEvent, event: AppEvent): void => listener(event)
  ipcRenderer.on(EVENT_CHANNEL, handler)
  return () => {
    ipcRenderer.removeListener(EVENT_CHANNEL, handler)
  }
}
api.pathForFile = (file: File): string => {
  try {
    return webUtils.getPathForFile(file)
  } catch {
    return ''
  }
}

contextBridge.exposeInMainWorld('api', api as UnweaveApi)
