import { describe, expect, it, vi } from 'vitest'
import { EngineClient, type EngineTransport } from '../../src/main/engine-client'
import type { FromHost, ToHost } from '../../src/shared/engine-protocol'
import { CodedError } from '../../src/shared/errors'
import type { EngineStatus } from '../../src/shared/ipc'

class FakeTransport implements EngineTransport {
  sent: ToHost[] = []
  #onMessage?: (m: FromHost) => void
  #onExit?: (r: string) => void
  killed = false
  send(msg: ToHost): void {
    this.sent.push(msg)
  }
  onMessage(l: (m: FromHost) => void): void {
    this.#onMessage = l
  }
  onExit(l: (r: string) => void): void {
    this.#onExit = l
  }
  kill(): void {
    this.killed = true
  }
  reply(m: FromHost): void {
    this.#onMessage?.(m)
  }
  die(reason: string): void {
    this.#onExit?.(reason)
  }
}

function setup(opts = {}) {
  const transports: FakeTransport[] = []
  const statuses: EngineStatus[] = []
  let now = 0
  const client = new EngineClient(
    () => {
      const t = new FakeTransport()
      transports.push(t)
      return t
    },
    { onStatus: (s) => statuses.push(s), restartDelayMs: 0, now: () => now, ...opts },
  )
  client.start()
  return { client, transports, statuses, advance: (ms: number) => (now += ms) }
}

describe('EngineClient', () => {
  it('matches progress and results by id, with an ETA', async () => {
    const { client, transports, advance } = setup()
    const progress: [string, number, number | null][] = []
    const p = client.request('status', {}, { onProgress: (...a) => progress.push(a) })
    const t = transports[0]!
    const req = t.sent[0] as Extract<ToHost, { type: 'request' }>
    expect(req).toMatchObject({ type: 'request', op: 'status' })
    advance(1000)
    t.reply({ type: 'progress', id: req.id, stage: 'embed', fraction: 0.25 })
    t.reply({ type: 'result', id: req.id, value: { state: 'ready' } })
    await expect(p).resolves.toEqual({ state: 'ready' })
    expect(progress).toEqual([['embed', 0.25, 3]])
  })

  it('turns error messages into CodedError with their code', async () => {
    const { client, transports } = setup()
    const p = client.request('status', {})
    const id = (transports[0]!.sent[0] as { id: number }).id
    transports[0]!.reply({ type: 'error', id, code: 'input', message: 'bad file' })
    await expect(p).rejects.toMatchObject({ code: 'input', message: 'bad file' })
  })

  it('sends cancel when the signal aborts', async () => {
    const { client, transports } = setup()
    const c = new AbortController()
    const p = client.request('analyse', { fileId: 'f' }, { signal: c.signal })
    c.abort()
    const t = transports[0]!
    const id = (t.sent[0] as { id: number }).id
    expect(t.sent[1]).toEqual({ type: 'cancel', id })
    t.reply({ type: 'error', id, code: 'cancelled', message: 'Cancelled.' })
    await expect(p).rejects.toMatchObject({ code: 'cancelled' })
  })

  it('restarts a crashed host, failing what was pending, and gives up after too many crashes', async () => {
    const { client, transports, statuses } = setup({ maxRestarts: 2 })
    const p = client.request('status', {})
    transports[0]!.die('crashed, exit code 9')
    await expect(p).rejects.toBeInstanceOf(CodedError)
    await expect(p).rejects.toMatchObject({ code: 'engine' })
    expect(statuses.at(-1)).toMatchObject({ state: 'restarting' })
    await vi.waitFor(() => expect(transports.length).toBe(2))
    transports[1]!.die('oom')
    await vi.waitFor(() => expect(transports.length).toBe(3))
    transports[2]!.die('oom')
    await new Promise((r) => setTimeout(r, 10))
    expect(transports.length).toBe(3)
    expect(statuses.at(-1)).toMatchObject({ state: 'failed' })
  })

  it('kills the host on dispose without restarting', async () => {
    const { client, transports } = setup()
    const p = client.request('status', {})
    client.dispose()
    expect(transports[0]!.killed).toBe(true)
    await expect(p).rejects.toMatchObject({ code: 'cancelled' })
    transports[0]!.die('killed')
    await new Promise((r) => setTimeout(r, 10))
    expect(transports.length).toBe(1)
    await expect(client.request('status', {})).rejects.toMatchObject({ code: 'engine' })
  })
})
