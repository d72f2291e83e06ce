/**
 * Registers one ipcMain handler per channel of the contract. Each checks that the message comes
 * from our window's main frame showing our renderer, then hands the raw
 * arguments to the SessionService, which validates them. Thin on purpose: the logic is in the
 * service, which the test bridge calls too.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron'
import { BULK_CHANNELS, CHANNELS, ipcChannelName, type Channel, type IpcError } from '../shared/ipc'
import type { EngineSupervisor } from './engine-supervisor'
import type { SessionService } from './session-service'
import { isAppUrl } from './app-url'

const BULK = new Set<Channel>(BULK_CHANNELS)
const BULK_ID = /^[A-Za-z0-9_-]{1,64}$/

/** Installs the handlers; `window()` is the editor window (or undefined while there is none). */
export function registerIpcHandlers(
  service: SessionService,
  supervisor: EngineSupervisor,
  window: () => BrowserWindow | undefined,
  appUrl: string,
): void {
  const trusted = (event: IpcMainInvokeEvent): boolean => {
    const win = window()
    if (!win || win.isDestroyed()) return false
    const frame = event.senderFrame
    return (
      event.sender === win.webContents &&
      frame !== null &&
      frame === win.webContents.mainFrame &&
      isAppUrl(frame.url, appUrl)
    )
  }
  for (const channel of CHANNELS) {
    ipcMain.handle(ipcChannelName(channel), async (event, args: unknown, bulkId: unknown) => {
      if (!trusted(event)) return refuse('this window may not call the app')
      if (BULK.has(channel)) {
        if (typeof bulkId !== 'string' || !BULK_ID.test(bulkId)) return refuse('missing bulk id')
        supervisor.ensureConnected(event.sender)
        return service.invoke(channel, args, { bulkId })
      }
      if (bulkId !== undefined) return refuse('unexpected argument')
      return service.invoke(channel, args)
    })
  }
}

function refuse(why: string): IpcError {
  return { type: 'error', code: 'invalid-argument', message: `Refused: ${why}.` }
}
