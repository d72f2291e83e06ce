/**
 * The Electron-only pieces, with `electron` mocked (the binary cannot run here): the ipc handlers'
 * sender and argument checks, and the preload's window.api including bulk results that arrive
 * over the engine port instead of through main.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { CHANNELS, ENGINE_PORT_CHANNEL, EVENT_CHANNEL, ipcChannelName } from '../../src/shared/ipc'

type Handler = (event: unknown, ...args: unknown[]) => unknown
const handlers = new Map<string, Handler>()
const rendererListeners = new Map<string, ((event: unknown, ...args: unknown[]) => void)[]>()
const exposed: Record<string, unknown> = {}
let invokeImpl: (channel: string, ...args: unknown[]) => Promise<unknown> = async () => undefined

vi.mock('electron', () => ({
  ipcMain: { handle: (ch: string, h: Handler) => handlers.set(ch, h) },
  ipcRenderer: {
    invoke: (ch: string, ...args: unknown[]) => invokeImpl(ch, ...args),
    on: (ch: string, l: (event: unknown, ...args: unknown[]) => void) =>
      rendererListeners.set(ch, [...(rendererListeners.get(ch) ?? []), l]),
    removeListener: (ch: string, l: unknown) =>
      rendererListeners.set(
        ch,
        (rendererListeners.get(ch) ?? []).filter((x) => x !== l),
      ),
  },
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
  webUtils: { getPathForFile: (f: { name: string }) => `/dropped/${f.name}` },
  // window.ts imports these; the handlers test does not use them.
  BrowserWindow: class {},
  net: {},
  protocol: {},
  session: {},
  shell: {},
}))

describe('ipc handlers (main)', () => {
  const mainFrame = { url: 'app://unweave/index.html' }
  const webContents = { mainFrame }
  const win = { isDestroyed: () => false, webContents }
  const invoked: [string, unknown, unknown][] = []
  const service = {
    invoke: async (channel: string, args: unknown, opts?: unknown) => {
      invoked.push([channel, args, opts])
      return { type: 'ok', value: 'fine' }
    },
  }
  const supervisor = { ensureConnected: vi.fn() }
  /** Registers main's ipc handlers (electron mocked) for the window `w`. */
  const register = async (w: unknown): Promise<void> => {
    const { registerIpcHandlers } = await import('../../src/main/ipc-handlers')
    registerIpcHandlers(
      service as never,
      supervisor as never,
      () => w as never,
      'app://unweave/index.html',
    )
  }

  beforeEach(async () => {
    handlers.clear()
    invoked.length = 0
    await register(win)
  })

  it('registers one handler per contract channel', () => {
    expect([...handlers.keys()].sort()).toEqual(CHANNELS.map(ipcChannelName).sort())
  })

  it('passes calls from our window to the service', async () => {
    const h = handlers.get(ipcChannelName('openFile'))!
    const r = await h({ sender: webContents, senderFrame: mainFrame }, { path: '/a.wav' })
    expect(r).toEqual({ type: 'ok', value: 'fine' })
    expect(invoked).toEqual([['openFile', { path: '/a.wav' }, undefined]])
  })

  it('refuses other windows, subframes and foreign pages', async () => {
    const h = handlers.get(ipcChannelName('openFile'))!
    const other = { mainFrame: { url: 'app://unweave/index.html' } }
    for (const event of [
      { sender: other, senderFrame: other.mainFrame },
      { sender: webContents, senderFrame: { url: 'app://unweave/index.html' } }, // an iframe
      { sender: webContents, senderFrame: null },
    ]) {
      expect(await h(event, { path: '/a.wav' })).toMatchObject({
        type: 'error',
        code: 'invalid-argument',
      })
    }
    const foreign = { url: 'https://evil.example/' }
    const wc2 = { mainFrame: foreign }
    const w2 = { isDestroyed: () => false, webContents: wc2 }
    handlers.clear()
    await register(w2)
    const h2 = handlers.get(ipcChannelName('openFile'))!
    expect(await h2({ sender: wc2, senderFrame: foreign }, { path: '/a.wav' })).toMatchObject({
      type: 'error',
    })
    expect(invoked).toEqual([])
  })

  it('bulk channels need a bulk id and connect the page first; others refuse one', async () => {
    const spec = handlers.get(ipcChannelName('getSpectrogram'))!
    const ev = { sender: webContents, senderFrame: mainFrame }
    expect(await spec(ev, { fileId: 'f' })).toMatchObject({ type: 'error' })
    expect(await spec(ev, { fileId: 'f' }, 'b1')).toEqual({ type: 'ok', value: 'fine' })
    expect(supervisor.ensureConnected).toHaveBeenCalledWith(webContents)
    expect(invoked.at(-1)).toEqual(['getSpectrogram', { fileId: 'f' }, { bulkId: 'b1' }])
    const open = handlers.get(ipcChannelName('openFile'))!
    expect(await open(ev, { path: '/a.wav' }, 'b2')).toMatchObject({ type: 'error' })
  })
})

describe('preload window.api', () => {
  beforeEach(async () => {
    vi.resetModules()
    rendererListeners.clear()
    await import('../../src/preload/index')
  })

  const api = () =>
    exposed.api as Record<string, (...a: unknown[]) => Promise<unknown>> & {
      onEvent(l: (e: unknown) => void): () => void
      pathForFile(f: unknown): string
    }

  it('exposes one function per channel plus onEvent and pathForFile, nothing raw', () => {
    expect(Object.keys(api()).sort()).toEqual([...CHANNELS, 'onEvent', 'pathForFile'].sort())
    expect(api().pathForFile({ name: 'x.wav' })).toBe('/dropped/x.wav')
  })

  it('invokes plain channels with one argument object', async () => {
    invokeImpl = async (ch, ...args) => ({ type: 'ok', value: [ch, args] })
    expect(await api().openFile({ path: '/a.wav' })).toEqual({
      type: 'ok',
      value: [ipcChannelName('openFile'), [{ path: '/a.wav' }]],
    })
    expect(await api().getAppInfo()).toEqual({
      type: 'ok',
      value: [ipcChannelName('getAppInfo'), [{}]],
    })
  })

  it('takes bulk values from the engine port, matched by bulk id', async () => {
    let onmessage: ((e: { data: unknown }) => void) | null = null
    const port = {
      set onmessage(f: ((e: { data: unknown }) => void) | null) {
        onmessage = f
      },
      close: vi.fn(),
    }
    for (const l of rendererListeners.get(ENGINE_PORT_CHANNEL) ?? []) l({ ports: [port] })
    const db = new Uint8Array([1, 2, 3])
    invokeImpl = async (_ch, _args, bulkId) => {
      // The engine posts the value on the port (possibly before main's acknowledgement).
      onmessage!({ data: { bulkId: 'other', type: 'result', value: 'not mine' } })
      onmessage!({ data: { bulkId, type: 'result', value: { db } } })
      return { type: 'ok', value: { bulkId } }
    }
    expect(await api().getSpectrogram({ fileId: 'f' })).toEqual({ type: 'ok', value: { db } })
    invokeImpl = async () => ({ type: 'error', code: 'stale', message: 'gone' })
    expect(await api().getMasks({ separationId: 's' })).toEqual({
      type: 'error',
      code: 'stale',
      message: 'gone',
    })
    invokeImpl = async (_ch, _args, bulkId) => {
      setTimeout(
        () => onmessage!({ data: { bulkId, type: 'error', code: 'engine', message: 'boom' } }),
        5,
      )
      return { type: 'ok', value: { bulkId } }
    }
    expect(await api().getAudio({ fileId: 'f' })).toEqual({
      type: 'error',
      code: 'engine',
      message: 'boom',
    })
  })

  it('subscribes to events and unsubscribes', () => {
    const seen: unknown[] = []
    const off = api().onEvent((e) => seen.push(e))
    const emit = (e: unknown) => {
      for (const l of rendererListeners.get(EVENT_CHANNEL) ?? []) l({}, e)
    }
    emit({ type: 'menu', command: 'undo' })
    off()
    emit({ type: 'menu', command: 'redo' })
    expect(seen).toEqual([{ type: 'menu', command: 'undo' }])
  })

  it('turns a failed invoke into an error result, never a rejection', async () => {
    invokeImpl = async () => {
      throw new Error('no handler')
    }
    expect(await api().listRecentFiles()).toMatchObject({ type: 'error', code: 'internal' })
  })
})
