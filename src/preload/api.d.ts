/** The renderer's `window.api`, derived from the one IPC contract (src/shared/ipc.ts). */
import type { UnweaveApi } from '../shared/ipc'

declare global {
  interface Window {
    /** Exposed by the preload (Electron) or the test bridge's init script; same contract. */
    readonly api: UnweaveApi
  }
}

export {}
