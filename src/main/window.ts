/**
 * The one editor window, locked down: context isolation, sandboxed
 * renderer, no Node, web security on, navigation and new windows refused, every permission
 * denied, the renderer served from a privileged app:// scheme with the Content-Security-Policy
 * as a response header.
 */
import { BrowserWindow, net, protocol, session, shell, type WebContents } from 'electron'
import { isAbsolute, join, normalize, relative, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isAppUrl, isExternalLink } from './app-url'
import { contentSecurityPolicy } from './csp'

/** The scheme and host the packaged renderer is served from. */
export const APP_SCHEME = 'app'
export const APP_ORIGIN = `${APP_SCHEME}://unweave`

/** Must run before `app.whenReady()`: app:// behaves like https (fetch, workers, secure context). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true },
    },
  ])
}

/** Serves `rendererDir` on app://unweave/ with the CSP header; refuses paths outside it. */
export function serveRenderer(rendererDir: string): void {
  const csp = contentSecurityPolicy()
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url)
    if (url.host !== 'unweave') return new Response('not found', { status: 404 })
    let rel: string
    try {
      rel = normalize(decodeURIComponent(url.pathname)).replace(/^[/\\]+/, '') || 'index.html'
    } catch {
      return new Response('bad request', { status: 400 })
    }
    const file = join(rendererDir, rel)
    const inside = relative(rendererDir, file)
    if (inside.startsWith('..') || isAbsolute(inside) || inside.includes(`..${sep}`)) {
      return new Response('forbidden', { status: 403 })
    }
    const res = await net.fetch(pathToFileURL(file).toString())
    const headers = new Headers(res.headers)
    headers.set('Content-Security-Policy', csp)
    headers.set('X-Content-Type-Options', 'nosniff')
    return new Response(res.body, { status: res.status, headers })
  })
}

/** Options of createMainWindow(). */
export interface WindowOptions {
  preload: string
  /** The renderer's URL: app://unweave/index.html, or Vite's dev server. */
  url: string
  /** Dev server: CSP with HMR allowances. */
  dev: boolean
}

/** Creates the editor window and loads the renderer. */
export function createMainWindow(opts: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'Unweave',
    backgroundColor: '#16181d',
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  })
  lockDown(win.webContents, opts.url)
  if (opts.dev) {
    // The dev server's responses get the (dev) policy as a header too.
    const csp = contentSecurityPolicy({ dev: true })
    win.webContents.session.webRequest.onHeadersReceived((details, callback) => {
      const headers = { ...details.responseHeaders, 'Content-Security-Policy': [csp] }
      callback({ responseHeaders: headers })
    })
  }
  win.once('ready-to-show', () => win.show())
  void win.loadURL(opts.url)
  return win
}

/** Refuses navigation away from the app, new windows, webviews and every permission. */
function lockDown(wc: WebContents, appUrl: string): void {
  wc.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, appUrl)) event.preventDefault()
  })
  wc.on('will-redirect', (event, url) => {
    if (!isAppUrl(url, appUrl)) event.preventDefault()
  })
  wc.on('will-attach-webview', (event) => event.preventDefault())
  wc.setWindowOpenHandler(({ url }) => {
    // The app's own fixed links open in the user's browser (never in the app); nothing else does.
    if (isExternalLink(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
}

/** Denies every permission request (camera, notifications, ...) of every page. */
export function denyAllPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) =>
    callback(false),
  )
  session.defaultSession.setPermissionCheckHandler(() => false)
}
