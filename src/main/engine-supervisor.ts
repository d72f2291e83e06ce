/**
 * Runs the engine host in an Electron utilityProcess and gives each
 * renderer page a MessagePort straight to it, so big arrays (spectrogram, masks, audio) go from
 * the engine process to the renderer without passing through main. The EngineClient restarts the
 * process when it dies; `child-process-gone` supplies the reason.
 */
import {
  app,
  MessageChannelMain,
  utilityProcess,
  type UtilityProcess,
  type WebContents,
} from 'electron'
import { ENGINE_PORT_CHANNEL } from '../shared/ipc'
import type { EngineTransport } from './engine-client'
import {
  HOST_CONFIG_ENV,
  type FromHost,
  type HostConfig,
  type ToHost,
} from '../shared/engine-protocol'

const SERVICE_NAME = 'Unweave engine'

/** Starts engine host processes and connects renderer pages to the current one. */
export class EngineSupervisor {
  readonly #entry: string
  readonly #config: HostConfig
  #child: UtilityProcess | undefined
  #lastGone: string | undefined
  /** The page currently connected, so a restart reconnects it. */
  #page: WebContents | undefined
  #pageConnected = false

  constructor(entry: string, config: HostConfig) {
    this.#entry = entry
    this.#config = config
    app.on('child-process-gone', (_e, details) => {
      if (details.type === 'Utility' && details.serviceName === SERVICE_NAME) {
        this.#lastGone = `${details.reason}, exit code ${details.exitCode}`
      }
    })
  }

  /** Transport factory for EngineClient. */
  readonly transport = (): EngineTransport => {
    const child = utilityProcess.fork(this.#entry, [], {
      serviceName: SERVICE_NAME,
      stdio: 'inherit',
      env: { ...process.env, [HOST_CONFIG_ENV]: JSON.stringify(this.#config) },
    })
    this.#child = child
    this.#pageConnected = false
    let onExit: ((reason: string) => void) | undefined
    child.on('exit', (code) => {
      if (this.#child === child) this.#child = undefined
      const reason = this.#lastGone ?? `exit code ${code}`
      this.#lastGone = undefined
      onExit?.(reason)
    })
    return {
      send: (msg: ToHost) => child.postMessage(msg),
      onMessage: (listener: (msg: FromHost) => void) => child.on('message', listener),
      onExit: (listener) => {
        onExit = listener
      },
      kill: () => {
        child.kill()
      },
    }
  }

  /** The host (re)started: reconnect the current page. */
  started(): void {
    if (this.#page && !this.#page.isDestroyed()) this.connect(this.#page)
  }

  /** Gives `page` a fresh port to the engine (on load, reload and engine restart). */
  connect(page: WebContents): void {
    this.#page = page
    const child = this.#child
    if (!child || page.isDestroyed()) return
    const { port1, port2 } = new MessageChannelMain()
    child.postMessage({ type: 'renderer-port' } satisfies ToHost, [port1])
    page.postMessage(ENGINE_PORT_CHANNEL, null, [port2])
    this.#pageConnected = true
  }

  /** Before a bulk request: make sure the page has its port (a request can beat 'did-finish-load'). */
  ensureConnected(page: WebContents): void {
    if (!this.#pageConnected || this.#page !== page) this.connect(page)
  }

  /** The page is navigating away: its port dies with it. */
  pageUnloading(page: WebContents): void {
    if (this.#page === page) this.#pageConnected = false
  }
}
