/**
 * The renderer's Content-Security-Policy, sent as a response header by Electron's app:// protocol
 * handler and by the test bridge (the renderer's index.html carries the same policy in a meta tag).
 * wavesurfer needs blob: workers and media. No Electron import here.
 */

/** The policy; `dev` allows Vite's HMR socket and inline module preamble. */
export function contentSecurityPolicy(opts: { dev?: boolean } = {}): string {
  const connect = opts.dev ? "'self' ws://localhost:* http://localhost:*" : "'self'"
  return [
    "default-src 'none'",
    "script-src 'self'",
    // Svelte sets style attributes; no inline <script> is ever allowed.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${connect}`,
    "worker-src 'self' blob:",
    "media-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}
