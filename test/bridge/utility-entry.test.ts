/**
 * The utility-process entry with Electron's process.parentPort faked: requests reach the engine
 * host, results go back on the parent port, bulk values go to the renderer port main handed over.
 */
import { describe, expect, it, vi } from 'vitest'

const handled: unknown[] = []
let outlet: { post(m: unknown): void; postBulk?(m: unknown, t: unknown[]): void } | undefined
let config: unknown

vi.mock('../../src/engine-process/engine-host', () => ({
  EngineHost: class {
    constructor(out: typeof outlet, cfg: unknown) {
      outlet = out
      config = cfg
    }
    start(): void {}
    handle(m: unknown): void {
      handled.push(m)
    }
  },
}))

describe('utility-entry', () => {
  it('wires parentPort, the renderer port and the host', async () => {
    const listeners: ((e: { data: unknown; ports: unknown[] }) => void)[] = []
    const toMain: unknown[] = []
    const parentPort = {
      on: (_ev: string, l: (e: { data: unknown; ports: unknown[] }) => void) => listeners.push(l),
      postMessage: (m: unknown) => toMain.push(m),
    }
    Object.assign(process, { parentPort })
    process.env.UNWEAVE_ENGINE_CONFIG = JSON.stringify({
      device: 'cpu',
      modelPath: '/m.json',
      clusterWorker: '/w.js',
      junk: 1,
    })
    await import('../../src/engine-process/utility-entry')
    expect(config).toEqual({ device: 'cpu', modelPath: '/m.json', clusterWorker: '/w.js' })

    const send = (data: unknown, ports: unknown[] = []) =>
      listeners.forEach((l) => l({ data, ports }))
    send({ type: 'request', id: 1, op: 'status', args: {} })
    expect(handled).toEqual([{ type: 'request', id: 1, op: 'status', args: {} }])

    outlet!.post({ type: 'result', id: 1, value: 'x' })
    expect(toMain).toEqual([{ type: 'result', id: 1, value: 'x' }])

    const toRenderer: unknown[] = []
    const port = { postMessage: (m: unknown) => toRenderer.push(m), start: vi.fn(), close: vi.fn() }
    send({ type: 'renderer-port' }, [port])
    expect(port.start).toHaveBeenCalled()
    expect(handled).toHaveLength(1) // the port message is the entry's, not the host's
    outlet!.postBulk!({ bulkId: 'b', type: 'result', value: 1 }, [])
    expect(toRenderer).toEqual([{ bulkId: 'b', type: 'result', value: 1 }])

    const port2 = { postMessage: vi.fn(), start: vi.fn(), close: vi.fn() }
    send({ type: 'renderer-port' }, [port2])
    expect(port.close).toHaveBeenCalled()
    outlet!.postBulk!({ bulkId: 'c', type: 'result', value: 2 }, [])
    expect(port2.postMessage).toHaveBeenCalledWith({ bulkId: 'c', type: 'result', value: 2 })
  })
})
