/**
 * The test bridge's stand-in for the preload: installs `window.api` (UnweaveApi) over HTTP to the
 * bridge server, exactly the functions the preload exposes (one per contract channel, onEvent,
 * pathForFile), frozen like a contextBridge object. Bundled to an IIFE and run as a Playwright
 * init script before the renderer's own scripts. The renderer cannot tell the difference.
 */
import {
  CHANNELS,
  type AppEvent,
  type Channel,
  type IpcResult,
  type UnweaveApi,
} from '../../src/shared/ipc'
import { decode, encode } from './wire'

const base = '/__bridge'

async function invoke(channel: Channel, args: unknown): Promise<IpcResult<unknown>> {
  try {
    const { chunks, length } = encode(args ?? {})
    const body = new Uint8Array(length)
    let at = 0
    for (const c of chunks) {
      body.set(c, at)
      at += c.length
    }
    const res = await fetch(`${base}/invoke/${channel}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body,
    })
    if (!res.ok) {
      return {
        type: 'error',
        code: 'internal',
        message: `bridge: HTTP ${res.status} ${await res.text()}`,
      }
    }
    return decode(await res.arrayBuffer()) as IpcResult<unknown>
  } catch (e) {
    return { type: 'error', code: 'internal', message: `The app did not answer: ${String(e)}` }
  }
}

const listeners = new Set<(event: AppEvent) => void>()
const source = new EventSource(`${base}/events`)
source.onmessage = (m: { data: unknown }) => {
  let event: AppEvent
  try {
    event = JSON.parse(String(m.data)) as AppEvent
  } catch {
    return
  }
  for (const l of [...listeners]) {
    try {
      l(event)
    } catch (e) {
      setTimeout(() => {
        throw e
      })
    }
  }
}

const api: Record<string, unknown> = {}
for (const channel of CHANNELS) api[channel] = (args?: unknown) => invoke(channel, args)
api.onEvent = (listener: (event: AppEvent) => void): (() => void) => {
  const l = (e: AppEvent): void => listener(e)
  listeners.add(l)
  return () => {
    listeners.delete(l)
  }
}
// Browsers give a dropped File no path; Electron's webUtils does.
api.pathForFile = (): string => ''

Object.defineProperty(globalThis, 'api', {
  value: Object.freeze(api as UnweaveApi),
  writable: false,
  configurable: false,
  enumerable: true,
})
