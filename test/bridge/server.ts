/**
 * The test bridge: Electron's binary cannot be downloaded on the build machines, so the e2e runs
 * the built renderer in Chromium against this small server on 127.0.0.1. It serves out/renderer
 * with the app's Content-Security-Policy, and the IPC contract from the SAME main-process code
 * Electron uses (createSession -> SessionService -> EngineClient -> EngineHost, the host in a
 * forked process instead of a utilityProcess). Results travel in the binary wire format
 * (wire.ts); events as server-sent events. client.ts is the preload's stand-in.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, relative, resolve } from 'node:path'
import { createSession } from '../../src/main/compose'
import { contentSecurityPolicy } from '../../src/main/csp'
import type { EngineClient } from '../../src/main/engine-client'
import type { HostConfig } from '../../src/shared/engine-protocol'
import type { SessionService, ShellPlatform } from '../../src/main/session-service'
import { CHANNELS, type AppEvent, type Channel } from '../../src/shared/ipc'
import { buildClientScript, buildEngineProcess, repoRoot } from './build'
import { forkTransport } from './fork-transport'
import { decode, encode } from './wire'

/** Options of startBridge(). */
export interface BridgeOptions {
  /** The built renderer. Default <repo>/out/renderer. */
  rendererDir?: string
  /** Where recent-files.json goes. */
  userDataDir: string
  /** Model metadata JSON (its .onnx beside it); default: the engine's default model. */
  modelPath?: string
  device?: HostConfig['device']
  /** Add a <script> for the client to index.html (manual use; tests use an init script). */
  injectClient?: boolean
}

/** A running bridge. */
export interface Bridge {
  /** http://127.0.0.1:<port>/ */
  url: string
  /** The preload stand-in: pass to context.addInitScript({ content }). */
  clientScript: string
  /**
   * Answers the native dialogs will give, in order; an empty queue means "cancelled": `open` for
   * recordings, `project` for loading projects, `save` for saving them, `folder` for exports;
   * `replace` answers main's own "replace these files?" (an empty queue: the user says Replace).
   */
  dialogs: {
    open: (string | null)[]
    project: (string | null)[]
    save: (string | null)[]
    folder: (string | null)[]
    replace: boolean[]
  }
  /** The files main asked about before replacing them. */
  replaceAsked: string[][]
  /** Paths revealInFolder was asked to show. */
  revealed: string[]
  /** Every event sent to the window. */
  events: AppEvent[]
  /**
   * Holds the engine's answers (results and errors; progress still flows) until main sends the
   * engine a cancel, then delivers them in order; resolves then. A test of Cancel holds them so
   * the button it clicks cannot vanish because the separation finished first on a fast machine.
   */
  holdAnswersUntilCancel(): Promise<void>
  /**
   * Each time main let the window go after the unsaved-edits question (Electron closes the window
   * or quits): whether it was a quit. Close requests go to `service.closeGuard.request()`.
   */
  closes: boolean[]
  service: SessionService
  engine: EngineClient
  close(): Promise<void>
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
}

/** Starts the bridge on a random port of 127.0.0.1. */
export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const rendererDir = resolve(opts.rendererDir ?? join(repoRoot, 'out', 'renderer'))
  const [entry, clientScript] = await Promise.all([buildEngineProcess(), buildClientScript()])
  const csp = contentSecurityPolicy()
  const sse = new Set<ServerResponse>()
  const dialogs: Bridge['dialogs'] = { open: [], project: [], save: [], folder: [], replace: [] }
  const replaceAsked: string[][] = []
  const revealed: string[] = []
  const events: AppEvent[] = []
  const closes: boolean[] = []

  const platform: ShellPlatform = {
    version: '0.0.0-bridge',
    platform:
      (['darwin', 'win32', 'linux'] as const).find((p) => p === process.platform) ?? 'other',
    bridge: true,
    showOpenDialog: async (kind = 'audio') =>
      (kind === 'project' ? dialogs.project : dialogs.open).shift() ?? null,
    showSaveDialog: async () => dialogs.save.shift() ?? null,
    showFolderDialog: async () => dialogs.folder.shift() ?? null,
    confirmReplace: async (paths) => {
      replaceAsked.push(paths)
      return dialogs.replace.shift() ?? true
    },
    revealInFolder: (path) => void revealed.push(path),
    closeApproved: (quit) => void closes.push(quit),
    emit: (event) => {
      events.push(event)
      const line = `data: ${JSON.stringify(event)}\n\n`
      for (const res of sse) res.write(line)
    },
  }
  const config: HostConfig = {
    ...(opts.modelPath ? { modelPath: opts.modelPath } : {}),
    device: opts.device ?? 'cpu',
    clusterWorker: entry.clusterWorker,
  }
  let held: { queue: (() => void)[]; released: () => void } | null = null
  const holdAnswersUntilCancel = (): Promise<void> =>
    new Promise<void>((released) => {
      held = { queue: [], released }
    })
  const release = (): void => {
    const h = held
    held = null
    for (const deliver of h?.queue ?? []) deliver()
    h?.released()
  }
  const { engine, service } = createSession({
    transport: () => {
      const t = forkTransport(entry.process, config)
      return {
        ...t,
        send: (msg) => {
          t.send(msg)
          if (msg.type === 'cancel') release()
        },
        onMessage: (listener) =>
          t.onMessage((m) => {
            if (held && (m.type === 'result' || m.type === 'error'))
              held.queue.push(() => listener(m))
            else listener(m)
          }),
      }
    },
    platform,
    userDataDir: opts.userDataDir,
  })

  let origin = ''
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(String(e))
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin)
    // The "sender check": only pages from this origin may call (no other site, no DNS rebinding).
    if (req.headers.host !== new URL(origin).host) return void res.writeHead(403).end()
    if (url.pathname.startsWith('/__bridge/')) {
      if (req.headers.origin !== undefined && req.headers.origin !== origin) {
        return void res.writeHead(403).end('cross-origin call refused')
      }
      return bridgeRoute(url, req, res)
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end()
    // Chromium asks for a favicon; Electron does not. Answer it so no 404 reaches the console.
    if (url.pathname === '/favicon.ico') return void res.writeHead(204).end()
    return serveStatic(url, res)
  }

  async function bridgeRoute(url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (url.pathname === '/__bridge/events' && req.method === 'GET') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      })
      res.write(': connected\n\n')
      sse.add(res)
      req.on('close', () => sse.delete(res))
      return
    }
    if (url.pathname === '/__bridge/client.js' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': TYPES['.js']!, 'content-security-policy': csp })
      return void res.end(clientScript)
    }
    const m = /^\/__bridge\/invoke\/([A-Za-z]+)$/.exec(url.pathname)
    if (!m || req.method !== 'POST') return void res.writeHead(404).end()
    const channel = m[1] as Channel
    if (!(CHANNELS as readonly string[]).includes(channel)) return void res.writeHead(404).end()
    let args: unknown
    try {
      // Arguments come in the wire format too (selections carry Uint8Arrays).
      const body = await readBody(req, 256 << 20)
      args = body.length ? decode(Uint8Array.from(body).buffer) : {}
    } catch (e) {
      return void res.writeHead(400).end(`bad request body: ${String(e)}`)
    }
    const t0 = performance.now()
    const result = await service.invoke(channel, args)
    const { chunks, length } = encode(result)
    if (process.env.UNWEAVE_BRIDGE_LOG) {
      const ms = (performance.now() - t0).toFixed(0)
      const what =
        result.type === 'error'
          ? `${result.code}: ${result.message}`
          : length < 300
            ? `ok ${JSON.stringify(result.value)}`
            : 'ok'
      console.log(
        `[bridge] ${channel} ${JSON.stringify(args).slice(0, 120)} -> ${what}, ${length} B, ${ms} ms`,
      )
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(length),
      'cache-control': 'no-store',
    })
    for (const c of chunks) res.write(c)
    res.end()
  }

  async function serveStatic(url: URL, res: ServerResponse): Promise<void> {
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^[/\\]+/, '') || 'index.html'
    const file = join(rendererDir, rel)
    if (relative(rendererDir, file).startsWith('..')) return void res.writeHead(403).end()
    const st = await stat(file).catch(() => undefined)
    if (!st?.isFile()) return void res.writeHead(404).end('not found')
    const headers = {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    }
    if (opts.injectClient && rel === 'index.html') {
      const { readFile } = await import('node:fs/promises')
      const html = (await readFile(file, 'utf8')).replace(
        '<head>',
        '<head><script src="/__bridge/client.js"></script>',
      )
      res.writeHead(200, headers)
      return void res.end(html)
    }
    res.writeHead(200, { ...headers, 'content-length': String(st.size) })
    createReadStream(file).pipe(res)
  }

  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const port = (server.address() as AddressInfo).port
  origin = `http://127.0.0.1:${port}`

  return {
    url: `${origin}/`,
    clientScript,
    dialogs,
    replaceAsked,
    revealed,
    events,
    holdAnswersUntilCancel,
    closes,
    service,
    engine,
    close: async () => {
      service.cancelAll()
      engine.dispose()
      for (const res of sse) res.end()
      sse.clear()
      server.closeAllConnections()
      await new Promise<void>((ok) => server.close(() => ok()))
    },
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const parts: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > limit) {
        fail(new Error('body too large'))
        req.destroy()
      } else parts.push(c)
    })
    req.on('end', () => ok(Buffer.concat(parts)))
    req.on('error', fail)
  })
}
