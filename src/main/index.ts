/**
 * Electron main: one locked-down editor window, the typed IPC handlers, native menus, the recent
 * list, files opened from the command line / the OS, and the engine in a utility process that is
 * restarted if it dies and killed when the app quits (even while work runs).
 */
import { app, BrowserWindow, dialog, shell } from 'electron'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  EVENT_CHANNEL,
  LIMITS,
  PROJECT_EXTENSION,
  type AppEvent,
  type AppInfo,
} from '../shared/ipc'
import { fileFromArgv } from './argv'
import { createSession } from './compose'
import { EngineSupervisor } from './engine-supervisor'
import type { HostConfig } from '../shared/engine-protocol'
import { registerIpcHandlers } from './ipc-handlers'
import { installMenu } from './menu'
import type { ShellPlatform } from './session-service'
import {
  APP_ORIGIN,
  createMainWindow,
  denyAllPermissions,
  registerAppScheme,
  serveRenderer,
} from './window'

const here = dirname(fileURLToPath(import.meta.url))
const devUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined
const appUrl = devUrl ?? `${APP_ORIGIN}/index.html`
/** argv entries before the user's: the executable, plus the app folder when not packaged. */
const argvSkip = app.isPackaged ? 1 : 2

let win: BrowserWindow | undefined
/** A file asked for before the window could show it (argv, macOS open-file). */
let pendingOpen: string | null = fileFromArgv(process.argv, process.cwd(), argvSkip)
let quitting = false

// Tests (and portable setups) may put the profile elsewhere; it must be set before anything reads it.
if (process.env['UNWEAVE_USER_DATA']) app.setPath('userData', process.env['UNWEAVE_USER_DATA'])

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  registerAppScheme()
  void main()
}

async function main(): Promise<void> {
  const config: HostConfig = {
    ...(process.env['UNWEAVE_MODEL']
      ? { modelPath: process.env['UNWEAVE_MODEL'] }
      : app.isPackaged
        ? { modelPath: join(process.resourcesPath, 'models', 'unweave-dc.json') }
        : {}),
    device: 'auto',
    clusterWorker: join(here, 'cluster-worker.js'),
  }
  const supervisor = new EngineSupervisor(join(here, 'engine-host.js'), config)

  const emit = (event: AppEvent): void => {
    if (win && !win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, event)
  }
  const platform: ShellPlatform = {
    version: app.getVersion(),
    platform: (['darwin', 'win32', 'linux'].includes(process.platform)
      ? process.platform
      : 'other') as AppInfo['platform'],
    bridge: false,
    showOpenDialog: async (kind = 'audio') => {
      const opts: Electron.OpenDialogOptions =
        kind === 'project'
          ? {
              title: 'Load a project',
              properties: ['openFile'],
              filters: [{ name: 'Unweave project', extensions: [PROJECT_EXTENSION] }],
            }
          : {
              title: 'Open a recording',
              properties: ['openFile'],
              filters: [
                { name: 'Audio', extensions: [...LIMITS.audioExtensions] },
                { name: 'All files', extensions: ['*'] },
              ],
            }
      const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts)
      return r.canceled || !r.filePaths[0] ? null : r.filePaths[0]
    },
    showSaveDialog: async (defaultName) => {
      const opts: Electron.SaveDialogOptions = {
        title: 'Save project',
        defaultPath: defaultName,
        filters: [{ name: 'Unweave project', extensions: [PROJECT_EXTENSION] }],
        properties: ['createDirectory', 'showOverwriteConfirmation'],
      }
      const r = win ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts)
      return r.canceled || !r.filePath ? null : r.filePath
    },
    showFolderDialog: async (defaultPath) => {
      const opts: Electron.OpenDialogOptions = {
        title: 'Export stems to',
        properties: ['openDirectory', 'createDirectory'],
        ...(defaultPath ? { defaultPath } : {}),
      }
      const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts)
      return r.canceled || !r.filePaths[0] ? null : r.filePaths[0]
    },
    confirmReplace: async (paths) => {
      const opts: Electron.MessageBoxOptions = {
        type: 'warning',
        title: 'Replace files?',
        message: `Replace ${paths.length === 1 ? 'this file' : `these ${paths.length} files`}?`,
        detail: paths.join('\n'),
        buttons: ['Replace', 'Cancel'],
        defaultId: 1,
        cancelId: 1,
      }
      const r = win ? await dialog.showMessageBox(win, opts) : await dialog.showMessageBox(opts)
      return r.response === 0
    },
    revealInFolder: (path) => shell.showItemInFolder(path),
    emit,
    onFileOpened: (file) => {
      win?.setTitle(`${file.name} — Unweave`)
      win?.setRepresentedFilename(file.path)
      app.addRecentDocument(file.path)
    },
    onRecentChanged: () => void rebuildMenu(),
    onUnsavedChanged: (unsaved) => win?.setDocumentEdited(unsaved),
    // the renderer's Save / Discard let the window go: close it again, or quit again
    closeApproved: (quit) => (quit ? app.quit() : win?.close()),
  }

  await app.whenReady()
  const { engine, service } = createSession({
    transport: supervisor.transport,
    platform,
    userDataDir: app.getPath('userData'),
    onEngineStarted: () => supervisor.started(),
  })

  const rebuildMenu = async (): Promise<void> => {
    const recent = await service.invoke('listRecentFiles', {})
    installMenu(
      {
        open: () => void service.openDialogFromShell(),
        openRecent: (path) => void service.openFromShell(path),
        clearRecent: () => void service.invoke('clearRecentFiles', {}),
        command: (command) => emit({ type: 'menu', command }),
        dev: !app.isPackaged,
      },
      recent.type === 'ok' ? recent.value : [],
    )
  }

  denyAllPermissions()
  if (!devUrl) serveRenderer(join(here, '../renderer'))
  registerIpcHandlers(service, supervisor, () => win, appUrl)
  await rebuildMenu()

  const openWindow = (): void => {
    win = createMainWindow({
      preload: join(here, '../preload/index.cjs'),
      url: appUrl,
      dev: !!devUrl,
    })
    const wc = win.webContents
    wc.on('did-start-loading', () => {
      supervisor.pageUnloading(wc)
      service.closeGuard.pageLoaded()
    })
    wc.on('did-finish-load', () => {
      supervisor.connect(wc)
      if (pendingOpen) {
        const p = pendingOpen
        pendingOpen = null
        void service.openFromShell(p)
      }
    })
    // Unsaved edits: the window stays and the renderer asks Save / Discard / Cancel (a quit is
    // called off; the renderer's answer closes or quits again). A crashed page holds nothing.
    win.on('close', (event) => {
      if (wc.isCrashed() || service.closeGuard.request()) return
      event.preventDefault()
      quitting = false
    })
    win.on('closed', () => {
      win = undefined
    })
  }
  openWindow()

  app.on('second-instance', (_e, argv, cwd) => {
    if (win) {
      if (win.isMinimized()) win.restore()
      win.focus()
    }
    const path = fileFromArgv(argv, cwd, argvSkip)
    if (path) void service.openFromShell(path)
  })
  app.on('activate', () => {
    if (!win && !quitting) openWindow()
  })
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  // A quit first closes the window, which unsaved edits may keep (the guard asks the renderer);
  // the engine stays until the quit is sure, since Save needs it.
  app.on('before-quit', () => {
    quitting = true
    service.closeGuard.quitRequested()
  })
  // Quitting while the engine works: cancel, then kill the utility process; nothing waits on it.
  app.on('will-quit', () => {
    service.cancelAll()
    engine.dispose()
  })
  // macOS "open with" while running.
  app.on('open-file', (event, path) => {
    event.preventDefault()
    if (win && !win.webContents.isLoading()) void service.openFromShell(path)
    else pendingOpen = path
  })
}

// macOS can send open-file before ready; remember it.
app.on('open-file', (event, path) => {
  event.preventDefault()
  if (!app.isReady()) pendingOpen = path
})
