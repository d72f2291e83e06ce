/** The native menus with the platform's shortcuts; app commands go to the renderer as events. */
import { app, Menu, type MenuItemConstructorOptions } from 'electron'
import type { MenuCommand, RecentFile } from '../shared/ipc'

/** What the menu items do. */
export interface MenuActions {
  open(): void
  openRecent(path: string): void
  clearRecent(): void
  command(command: MenuCommand): void
  /** Dev builds: a DevTools item. */
  dev: boolean
}

/** Builds and installs the application menu. */
export function installMenu(actions: MenuActions, recent: RecentFile[]): void {
  const mac = process.platform === 'darwin'
  const send = (command: MenuCommand) => () => actions.command(command)
  const recentItems: MenuItemConstructorOptions[] = recent.length
    ? [
        ...recent.map((r) => ({
          label: r.name,
          sublabel: r.path,
          enabled: r.exists,
          click: () => actions.openRecent(r.path),
        })),
        { type: 'separator' as const },
        { label: 'Clear Recent', click: () => actions.clearRecent() },
      ]
    : [{ label: 'No Recent Files', enabled: false }]

  const template: MenuItemConstructorOptions[] = [
    ...(mac
      ? [
          {
            label: app.name,
            submenu: [
              { role: 'about' as const },
              { type: 'separator' as const },
              { role: 'services' as const },
              { type: 'separator' as const },
              { role: 'hide' as const },
              { role: 'hideOthers' as const },
              { role: 'unhide' as const },
              { type: 'separator' as const },
              { role: 'quit' as const },
            ],
          },
        ]
      : []),
    {
      label: '&File',
      submenu: [
        { label: '&Open…', accelerator: 'CmdOrCtrl+O', click: () => actions.open() },
        { label: 'Open &Recent', submenu: recentItems },
        { type: 'separator' },
        { label: '&Load Project…', accelerator: 'CmdOrCtrl+Shift+O', click: send('open-project') },
        { label: '&Save Project', accelerator: 'CmdOrCtrl+S', click: send('save-project') },
        {
          label: 'Save Project &As…',
          accelerator: 'CmdOrCtrl+Shift+S',
          click: send('save-project-as'),
        },
        { type: 'separator' },
        { label: '&Export Stems…', accelerator: 'CmdOrCtrl+E', click: send('export') },
        { type: 'separator' },
        { label: '&Close File', accelerator: 'CmdOrCtrl+Shift+W', click: send('close-file') },
        mac ? { role: 'close' } : { role: 'quit', accelerator: 'Ctrl+Q' },
      ],
    },
    {
      label: '&Edit',
      submenu: [
        // Undo/redo are the editor's (the renderer falls back to the text field's own in inputs).
        { label: '&Undo', accelerator: 'CmdOrCtrl+Z', click: send('undo') },
        {
          label: '&Redo',
          accelerator: mac
            ? 'Cmd+Shift+Z'
            : process.platform === 'win32'
              ? 'Ctrl+Y'
              : 'Ctrl+Shift+Z',
          click: send('redo'),
        },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { type: 'separator' },
        // the selection on the spectrogram (in a text field the renderer selects its text)
        { label: 'Select &All', accelerator: 'CmdOrCtrl+A', click: send('select-all') },
        {
          label: '&Invert Selection',
          accelerator: 'CmdOrCtrl+Shift+I',
          click: send('select-invert'),
        },
        { label: 'Select &None', accelerator: 'CmdOrCtrl+D', click: send('select-none') },
      ],
    },
    {
      label: '&View',
      submenu: [
        { label: 'Zoom &In', accelerator: 'CmdOrCtrl+=', click: send('zoom-in') },
        { label: 'Zoom &Out', accelerator: 'CmdOrCtrl+-', click: send('zoom-out') },
        { label: 'Zoom to &Fit', accelerator: 'CmdOrCtrl+0', click: send('zoom-fit') },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(actions.dev ? [{ role: 'toggleDevTools' as const }] : []),
      ],
    },
    {
      label: '&Sources',
      submenu: [
        { label: '&Separate', accelerator: 'CmdOrCtrl+Enter', click: send('separate') },
        // Space is left to the window (text fields need it); the menu only shows it.
        {
          label: '&Play / Pause',
          accelerator: 'Space',
          registerAccelerator: false,
          click: send('play-pause'),
        },
      ],
    },
    { role: 'windowMenu' },
  ]
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}
