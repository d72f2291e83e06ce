/**
 * Wires the engine client, the session service and the recent list together, the same way for
 * Electron (index.ts) and for the test bridge (test/bridge/server.ts). No Electron import here.
 */
import { join } from 'node:path'
import { EngineClient, type EngineTransport } from './engine-client'
import { RecentFiles } from './recent-files'
import { SessionService, type ShellPlatform } from './session-service'

/** Options of createSession(). */
export interface SessionOptions {
  /** Starts one engine host process. */
  transport: () => EngineTransport
  platform: ShellPlatform
  /** Folder for recent-files.json. */
  userDataDir: string
  /** A host process started (Electron: hand it the renderer's port). */
  onEngineStarted?(transport: EngineTransport): void
}

/** The engine client and the session service, started. */
export function createSession(opts: SessionOptions): {
  engine: EngineClient
  service: SessionService
} {
  // The client reports restarts to the service created just below.
  const ref: { service?: SessionService } = {}
  const engine = new EngineClient(opts.transport, {
    onStatus: (status) => {
      // A restarted host knows nothing of the open file: its ids are stale.
      if (status.state === 'restarting') ref.service?.engineRestarted()
      opts.platform.emit({ type: 'engine', status })
    },
    ...(opts.onEngineStarted ? { onStarted: opts.onEngineStarted } : {}),
  })
  const service = new SessionService(
    engine,
    opts.platform,
    new RecentFiles(join(opts.userDataDir, 'recent-files.json')),
    opts.userDataDir,
  )
  ref.service = service
  engine.start()
  return { engine, service }
}
