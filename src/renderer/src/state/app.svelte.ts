import { createContext } from 'svelte'
import type { AppEvent, FileInfo, MenuCommand, ModelCard, RecentFile } from '../../../shared/ipc'
import type { Backend } from '../lib/backend'
import { Errors } from './errors.svelte'
import { ExportDialog } from './export-dialog.svelte'
import { SelectionPlayer, type SelectionPart } from './selection-player.svelte'
import { History } from './history.svelte'
import { MaskEditor } from './mask-editor.svelte'
import { ProjectFile } from './project-file.svelte'
import { callEdit, hasEditChannel } from '../lib/edit-backend'
import { Playback, type AudioContextLike } from './playback.svelte'
import { Recording } from './recording.svelte'
import { Separation, type SourceCount } from './separation.svelte'
import { View } from './view.svelte'

/**
 * The editor's whole state, composed of the state classes, and the actions that span several of
 * them (open a file, change the number of sources with undo, menu commands, keyboard shortcuts).
 */
export class AppState {
  readonly backend: Backend
  readonly recording: Recording
  readonly separation: Separation
  readonly playback: Playback
  readonly exportDialog: ExportDialog
  readonly view: View
  readonly errors: Errors
  readonly history: History
  readonly editor: MaskEditor
  readonly selectionPlayer: SelectionPlayer
  readonly projectFile: ProjectFile
  /** 'darwin' | 'win32' | 'linux' | 'other' (Cmd or Ctrl). */
  platform = $state<string>('other')
  /** True in Electron, where native menu accelerators send open/export/undo themselves. */
  nativeMenus = $state(false)
  /** Whether the list of shortcuts ("?") is shown. */
  shortcutsOpen = $state(false)

  /** A modal is open: the export dialog, the shortcuts list, or a project prompt. */
  get modalOpen(): boolean {
    return (
      this.exportDialog.open ||
      this.shortcutsOpen ||
      !!this.projectFile.needsAudio ||
      !!this.projectFile.recovery ||
      !!this.projectFile.unsavedPrompt
    )
  }
  /** What the model can and cannot do (its card, from main), once read. */
  modelCard = $state.raw<ModelCard | null>(null)
  /** Recently opened files, newest first (shown on the empty screen). */
  recent = $state.raw<RecentFile[]>([])

  constructor(
    backend: Backend,
    createAudioContext: () => AudioContextLike = () => new AudioContext(),
  ) {
    this.backend = backend
    this.errors = new Errors()
    this.recording = new Recording(backend, (info) => this.#fileShown(info))
    this.separation = new Separation(backend, () => this.#sourcesChanged())
    this.playback = new Playback(backend, createAudioContext, (e) =>
      this.errors.report('Playback', e),
    )
    this.exportDialog = new ExportDialog(backend)
    this.view = new View()
    this.history = new History()
    this.editor = new MaskEditor(
      backend,
      this.history,
      () => this.separation.names,
      (context, e) => this.errors.report(context, e),
    )
    this.selectionPlayer = new SelectionPlayer(backend, createAudioContext, (e) =>
      this.errors.report('Playing the selection', e),
    )
    this.projectFile = new ProjectFile(this)
    // the energy meters follow every edit, undo and redo once main has it
    this.editor.onTouched((t) => {
      if (t.phase === 'local') this.separation.energyStale = true
      else void this.separation.refreshEnergy()
    })
    if (typeof navigator !== 'undefined' && /Mac/i.test(navigator.platform))
      this.platform = 'darwin'
  }

  /** "Ctrl" or "⌘" for labels. */
  readonly modKey = $derived(this.platform === 'darwin' ? '⌘' : 'Ctrl')

  /** Reads the platform and whether menus exist; subscribes to main's events. Returns the unsubscribe. */
  start(): () => void {
    const off = this.backend.onEvent((e) => this.handleEvent(e))
    this.backend
      .call('getAppInfo')
      .then((info) => {
        this.platform = info.platform
        this.nativeMenus = !info.bridge
      })
      .catch(() => {})
    void this.refreshRecent()
    callEdit(this.backend, 'getModelCard')
      .then((c) => (this.modelCard = c ?? null))
      .catch(() => {}) // no card: no note
    const stopProject = this.projectFile.start()
    return () => {
      off()
      stopProject()
    }
  }

  /** Whether main can re-cluster with the user's edits as constraints. */
  get canReclusterWithEdits(): boolean {
    return hasEditChannel(this.backend, 'reclusterWithEdits')
  }

  /** "Re-cluster with my edits": main's constrained k-means; the edits are replayed on the result. */
  async reclusterWithEdits(): Promise<void> {
    const id = this.separation.separationId
    if (!id || !this.canReclusterWithEdits) return
    try {
      await this.editor.flush()
      const { undo, redo } = this.editor.historyStacks()
      const sources = this.separation.sources.map((s) => ({ name: s.name, colour: s.colour }))
      const summary = await callEdit(this.backend, 'reclusterWithEdits', {
        separationId: id,
        taskId: this.backend.taskId('recluster-edits'),
      })
      if (!summary || this.separation.separationId !== id) return
      if (await this.separation.adopt(summary, sources)) this.editor.loadHistory(undo, redo)
    } catch (e) {
      this.errors.report('Re-clustering with your edits', e)
    }
  }

  /** Reads the recent-files list from main. */
  async refreshRecent(): Promise<void> {
    try {
      this.recent = await this.backend.call('listRecentFiles')
    } catch {
      this.recent = []
    }
  }

  /** Opens a file (dialog when no path); errors go to the banner. */
  async open(path?: string): Promise<void> {
    if (!(await this.projectFile.confirmUnsaved('opening another file'))) return
    try {
      this.playback.pause()
      await this.recording.open(path)
    } catch (e) {
      this.errors.report('Opening the file', e)
    }
  }

  /** Shows a file main opened by itself. */
  async showFile(info: FileInfo): Promise<void> {
    try {
      this.playback.pause()
      await this.recording.load(info)
    } catch (e) {
      this.errors.report('Opening the file', e)
    }
  }

  #fileShown(info: FileInfo): void {
    this.editor.setMasks(null, null)
    this.separation.setFile(info.fileId)
    this.history.clear()
    this.playback.setMedia(info.fileId, info.sampleRate, info.durationSec)
    this.view.zoomToFit()
    this.errors.clear()
    void this.refreshRecent()
  }

  /** Runs the separation with the requested count. */
  async separate(): Promise<void> {
    if (!this.recording.isReady || this.separation.running) return
    try {
      const prevK = this.separation.k
      if ((await this.separation.separate()) && prevK > 0) this.history.clear()
    } catch (e) {
      this.errors.report('Separating', e)
    }
  }

  /** Changes the number of sources (re-clusters when there is a result), undoable. */
  async setCount(value: SourceCount): Promise<void> {
    const prevRequested = this.separation.requested
    const prevK = this.separation.k
    // the engine should cluster now, not finish building stems of the old count first
    if (this.separation.hasResult) this.playback.cancelStemBuild()
    try {
      if (await this.separation.setCount(value)) {
        const nextRequested = this.separation.requested
        this.history.push({
          label: `sources ${prevK} → ${this.separation.k}`,
          undo: async () => {
            await this.separation.setCount(prevK)
            this.separation.requested = prevRequested
          },
          redo: async () => {
            await this.separation.setCount(nextRequested)
          },
        })
      }
    } catch (e) {
      this.errors.report('Changing the number of sources', e)
    }
  }

  #sourcesChanged(): void {
    this.editor.setMasks(this.separation.separationId, this.separation.masks)
    this.playback.setSources(this.separation.separationId, this.separation.k)
    void this.playback.prepareStems()
  }

  /** Cancels the running separation. */
  async cancelSeparation(): Promise<void> {
    try {
      await this.separation.cancel()
    } catch (e) {
      this.errors.report('Cancelling', e)
    }
  }

  /** Renames a source, undoable. */
  renameSource(index: number, name: string): void {
    const before = this.separation.sources[index]?.name
    if (before === undefined || before === name.trim()) return
    this.separation.rename(index, name)
    const after = this.separation.sources[index].name
    this.history.push({
      label: `Rename ${before} → ${after}`,
      undo: () => this.separation.rename(index, before),
      redo: () => this.separation.rename(index, after),
    })
  }

  /** Changes a source's colour, undoable. */
  recolourSource(index: number, colour: string): void {
    const before = this.separation.sources[index]?.colour
    if (before === undefined || before === colour) return
    this.separation.recolour(index, colour)
    this.history.push({
      label: `Colour of ${this.separation.sources[index].name}`,
      undo: () => this.separation.recolour(index, before),
      redo: () => this.separation.recolour(index, colour),
    })
  }

  /** Opens the export dialog (needs a separation). */
  showExport(): void {
    if (!this.separation.hasResult || !this.recording.file || !this.separation.separationId) return
    this.exportDialog.show(
      this.separation.separationId,
      this.separation.sources,
      this.recording.file.path,
    )
  }

  /** Undo with errors to the banner. */
  async undo(): Promise<void> {
    try {
      await this.history.undo()
    } catch (e) {
      this.errors.report('Undo', e)
    }
  }

  /**
   * Loops the selected bins ('selection') or everything but them ('rest'); the same part again
   * stops it. Pauses the transport while it loops.
   */
  async playSelection(part: SelectionPart): Promise<void> {
    const sp = this.selectionPlayer
    const sel = this.editor.selection
    const id = this.separation.separationId
    if (sp.playing === part || sp.loading || !sel || !id) return sp.stop()
    if (this.playback.playing) this.playback.pause()
    await sp.play(id, sel, part)
  }

  /** Goes to the state after the first `count` changes of the History list (0: before them all). */
  async historyGoTo(count: number): Promise<void> {
    try {
      await this.history.goTo(count)
    } catch (e) {
      this.errors.report('Going back in the history', e)
    }
  }

  /** Redo with errors to the banner. */
  async redo(): Promise<void> {
    try {
      await this.history.redo()
    } catch (e) {
      this.errors.report('Redo', e)
    }
  }

  /** Handles an event from main (menu commands, files it opened, engine state, errors). */
  handleEvent(e: AppEvent): void {
    switch (e.type) {
      case 'menu':
        this.runCommand(e.command)
        break
      case 'file-opened':
        void this.showFile(e.file)
        break
      case 'engine':
        if (e.status.state === 'restarting' || e.status.state === 'failed') {
          this.separation.forgetAnalysis()
          if (e.status.message) this.errors.report('The engine', new Error(e.status.message))
        }
        break
      case 'error':
        this.errors.report('Main', new Error(e.message))
        break
      case 'close-requested':
        void this.closeRequested(e.id)
        break
      case 'progress':
        break
    }
  }

  #closing = false
  #closeId = 0
  /**
   * Main keeps the window because there are unsaved edits: the Open / Load project question
   * (Save / Discard / Cancel); Save that fails or is cancelled keeps the window. A request while
   * the question is up is the same question (the answer goes to the latest request `id`).
   */
  async closeRequested(id: number): Promise<void> {
    this.#closeId = id
    if (this.#closing) return
    this.#closing = true
    let close = false
    try {
      close = await this.projectFile.confirmUnsaved('quitting')
    } finally {
      this.#closing = false
    }
    await callEdit(this.backend, 'confirmClose', { id: this.#closeId, close }).catch(() => {})
  }

  /** Carries out a menu command. */
  runCommand(c: MenuCommand): void {
    const d = this.recording.durationSec
    switch (c) {
      case 'export':
        return this.showExport()
      case 'undo':
        return void this.undo()
      case 'redo':
        return void this.redo()
      case 'play-pause':
        if (this.recording.isReady) void this.playback.toggle()
        return
      case 'separate':
        return void this.separate()
      case 'save-project':
        return void this.projectFile.save()
      case 'save-project-as':
        return void this.projectFile.save(true)
      case 'select-all': {
        // in a text field: its text, as the platform's Select All would
        const el = typeof document === 'undefined' ? null : document.activeElement
        if (isTextEntry(el)) return void (el as HTMLInputElement).select?.()
        return this.editor.selectAll()
      }
      case 'select-invert':
        return this.editor.invertSelection()
      case 'select-none':
        return this.editor.clearSelection()
      case 'open-project':
        return void this.projectFile.open()
      case 'zoom-in':
        return this.view.zoomIn(d)
      case 'zoom-out':
        return this.view.zoomOut(d)
      case 'zoom-fit':
        return this.view.zoomToFit()
      case 'close-file':
        return void this.closeFile()
    }
  }

  /** Closes the file (File > Close File), asking first about unsaved edits. */
  async closeFile(): Promise<void> {
    if (!(await this.projectFile.confirmUnsaved('closing the file'))) return
    this.editor.setMasks(null, null)
    this.playback.setMedia(null, 0, 0)
    this.separation.setFile(null)
    this.history.clear()
    this.recording.close()
    void this.refreshRecent()
  }

  /**
   * Keyboard shortcuts: space play/pause, 1-9 solo a source (exclusive), M mute the selected
   * source, Mod+O open, Mod+E export, Mod+Z undo, Mod+Shift+Z / Mod+Y redo, Mod+A select all bins,
   * Mod+Shift+I invert the selection, Mod+D select none (the Mod shortcuts only when main has no
   * native menu sending them). Returns true when the key was used.
   */
  handleKey(
    e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey' | 'target'>,
  ): boolean {
    // Under a modal (export, shortcuts list, locate recording, recovery) no shortcut acts on what
    // is beneath it; the modal's own keys (its buttons, Escape, ? to close the list) still work.
    if (this.modalOpen) {
      if (this.shortcutsOpen && e.key === '?') return ((this.shortcutsOpen = false), true)
      return false
    }
    const mod = this.platform === 'darwin' ? e.metaKey : e.ctrlKey
    if (mod && !e.altKey) {
      if (this.nativeMenus) return false
      const key = e.key.toLowerCase()
      if (key === 'o') return (void this.open(), true)
      if (key === 's' && this.projectFile.available)
        return (void this.projectFile.save(e.shiftKey), true)
      if (key === 'e') return (this.showExport(), true)
      if (key === 'z' && !e.shiftKey) return (void this.undo(), true)
      if ((key === 'z' && e.shiftKey) || key === 'y') return (void this.redo(), true)
      if (isTextEntry(e.target)) return false
      if (key === 'a' && !e.shiftKey) return (this.runCommand('select-all'), true)
      if (key === 'i' && e.shiftKey) return (this.runCommand('select-invert'), true)
      if (key === 'd' && !e.shiftKey) return (this.runCommand('select-none'), true)
      return false
    }
    if (e.ctrlKey || e.metaKey || e.altKey || isTextEntry(e.target)) return false
    if (this.exportDialog.open) return false
    if (this.editor.handleKey(e.key)) return true
    if (e.key === ' ' || e.key === 'Spacebar') {
      if (isButtonLike(e.target)) return false
      // Shift+Space loops the selection; Space the transport (stopping a selection loop)
      if (e.shiftKey) return (void this.playSelection('selection'), true)
      this.selectionPlayer.stop()
      if (this.recording.isReady) void this.playback.toggle()
      return true
    }
    // the view: zoom time (= + − 0) and frequency (Shift+↑ ↓), this list of shortcuts (?)
    if (e.key === '?') return ((this.shortcutsOpen = !this.shortcutsOpen), true)
    const d = this.recording.durationSec
    if (e.key === '=' || e.key === '+') return (this.view.zoomIn(d), true)
    if (e.key === '-' || e.key === '−') return (this.view.zoomOut(d), true)
    if (e.key === '0') return (this.view.zoomToFit(), true)
    if (e.shiftKey && e.key === 'ArrowUp') return (this.view.zoomFrequency(1.5), true)
    if (e.shiftKey && e.key === 'ArrowDown') return (this.view.zoomFrequency(1 / 1.5), true)
    if (/^[1-9]$/.test(e.key)) {
      const i = Number(e.key) - 1
      if (i < this.playback.mix.length) {
        this.playback.soloExclusive(i)
        this.separation.select(i)
        return true
      }
      return false
    }
    if (e.key === 'm' || e.key === 'M') {
      if (this.playback.mix.length === 0) return false
      this.playback.toggleMute(this.separation.selected)
      return true
    }
    return false
  }
}

/** True for elements where typed keys belong to the element (inputs, text areas, selects). */
function isTextEntry(t: EventTarget | null): boolean {
  if (!t || typeof (t as HTMLElement).tagName !== 'string') return false
  const el = t as HTMLElement
  const tag = el.tagName.toLowerCase()
  if (tag === 'textarea' || tag === 'select' || el.isContentEditable) return true
  if (tag === 'input') {
    const type = ((el as HTMLInputElement).type || 'text').toLowerCase()
    return !['checkbox', 'radio', 'range', 'button', 'submit', 'color'].includes(type)
  }
  return false
}

/** Space on a focused button activates the button, not play/pause. */
function isButtonLike(t: EventTarget | null): boolean {
  if (!t || typeof (t as HTMLElement).tagName !== 'string') return false
  const el = t as HTMLElement
  const tag = el.tagName.toLowerCase()
  return (
    tag === 'button' ||
    (tag === 'input' && ['checkbox', 'radio'].includes((el as HTMLInputElement).type))
  )
}

/** Typed context for the editor's state: set once in App, read in every component. */
export const [getApp, setApp] = createContext<AppState>()
