/**
 * Project files (.unweave) from the UI: save, save as, open, "the audio is missing/changed —
 * locate it", autosave and recovery after a crash. Main reads and writes the files
 * (src/node/project/); these channels are feature-detected (lib/edit-backend.ts),
 * so without them the project controls are disabled.
 */
import { AUTOSAVE } from '../../../shared/ipc'
import {
  callEdit,
  hasEditChannel,
  type OpenedProjectInfo,
  type RecoveryInfo,
} from '../lib/edit-backend'
import type { Backend } from '../lib/backend'
import { untrack } from 'svelte'
import type { Errors } from './errors.svelte'
import type { Change, History } from './history.svelte'
import type { MaskEditor } from './mask-editor.svelte'
import type { Playback } from './playback.svelte'
import type { Recording } from './recording.svelte'
import type { Separation } from './separation.svelte'

/** What ProjectFile uses of the app (AppState is one): no import of app.svelte.ts, no circle. */
export interface ProjectFileHost {
  readonly backend: Backend
  readonly editor: Pick<MaskEditor, 'flush' | 'loadHistory'>
  readonly errors: Pick<Errors, 'report'>
  readonly history: Pick<History, 'done'>
  readonly separation: Pick<Separation, 'separationId' | 'sources' | 'adopt'>
  readonly playback: Pick<Playback, 'pause'>
  readonly recording: Pick<Recording, 'load'>
}

export class ProjectFile {
  /** The project's file, once saved or opened. */
  path = $state<string | null>(null)
  /** A project whose audio is missing or changed: the UI asks to locate it. */
  needsAudio = $state.raw<OpenedProjectInfo | null>(null)
  /** An autosaved project found at start (the app did not close cleanly). */
  recovery = $state.raw<RecoveryInfo | null>(null)
  /** The unsaved-edits question before something replaces the open separation (Save / Discard / Cancel). */
  unsavedPrompt = $state.raw<{
    action: string
    answer: (a: 'save' | 'discard' | 'cancel') => void
  } | null>(null)
  /** Last save (or autosave) result, for the status line. */
  lastSaved = $state<string | null>(null)
  readonly available: boolean
  #app: ProjectFileHost
  /** The history as last saved (reactive: `dirty` and main's unsaved flag follow a save). */
  #saved = $state.raw<Change[] | null>(null)
  /** The history as last autosaved. */
  #autosaved: Change[] | null = null
  /** When the oldest change the autosave does not hold yet was made (Date.now()), or null. */
  #firstUnsaved: number | null = null
  #timer: ReturnType<typeof setTimeout> | null = null
  #autosaving: Promise<void> = Promise.resolve()

  constructor(app: ProjectFileHost) {
    this.#app = app
    this.available = hasEditChannel(app.backend, 'saveProject')
  }

  /** Unsaved edits (the history moved since the last save). */
  get dirty(): boolean {
    return this.#app.history.done !== this.#saved && this.#app.history.done.length > 0
  }

  /**
   * Asks main for a recovery file; autosaves after every change (AUTOSAVE: `idleSec` after the
   * last one, at most `maxSec` after the oldest one not autosaved); keeps main told whether there
   * are unsaved edits (it asks before the window closes). Returns the stop function.
   */
  start(): () => void {
    const report = hasEditChannel(this.#app.backend, 'setUnsavedEdits')
    const autosaves = hasEditChannel(this.#app.backend, 'autosaveProject')
    const stopEffects = $effect.root(() => {
      $effect(() => {
        const unsaved = this.dirty
        if (report) callEdit(this.#app.backend, 'setUnsavedEdits', { unsaved }).catch(() => {})
      })
      $effect(() => {
        void this.#app.history.done
        if (autosaves) this.#schedule()
      })
    })
    if (hasEditChannel(this.#app.backend, 'getRecovery'))
      callEdit(this.#app.backend, 'getRecovery')
        .then((r) => (this.recovery = r ?? null))
        .catch(() => {})
    return () => {
      stopEffects()
      if (this.#timer) clearTimeout(this.#timer)
      this.#timer = null
    }
  }

  /** The history changed: the autosave is due `idleSec` from now, or `maxSec` after the oldest change. */
  #schedule(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    if (!this.dirty || untrack(() => this.#app.history.done) === this.#autosaved) {
      this.#firstUnsaved = null
      return
    }
    const now = Date.now()
    this.#firstUnsaved ??= now
    const due = Math.min(now + AUTOSAVE.idleSec * 1000, this.#firstUnsaved + AUTOSAVE.maxSec * 1000)
    this.#timer = setTimeout(() => {
      this.#timer = null
      void this.autosave()
    }, due - now)
  }

  #sources() {
    return this.#app.separation.sources.map((s) => ({ name: s.name, colour: s.colour }))
  }

  /** Saves to the project's file (Save As when it has none). False when cancelled or impossible. */
  async save(saveAs = false): Promise<boolean> {
    const id = this.#app.separation.separationId
    if (!this.available || !id) return false
    try {
      // an autosave under way ends first: the save's dropping of the recovery file comes after it
      await this.#autosaving
      await this.#app.editor.flush()
      const done = this.#app.history.done
      const r = await callEdit(this.#app.backend, 'saveProject', {
        separationId: id,
        path: saveAs ? undefined : (this.path ?? undefined),
        sources: this.#sources(),
      })
      if (!r) return false
      this.path = r.path
      this.#saved = done
      this.lastSaved = `Saved ${r.path.replace(/^.*[\\/]/, '')} (${(r.sizeBytes / 1e6).toFixed(1)} MB)`
      return true
    } catch (e) {
      this.#app.errors.report('Saving the project', e)
      return false
    }
  }

  /**
   * Before `action` (e.g. 'opening another file') replaces the open separation: true to go on.
   * With unsaved edits the user is asked Save / Discard / Cancel; Save that fails or is cancelled
   * stops the action.
   */
  async confirmUnsaved(action: string): Promise<boolean> {
    if (!this.dirty) return true
    const answer = await new Promise<'save' | 'discard' | 'cancel'>((resolve) => {
      this.unsavedPrompt?.answer('cancel')
      this.unsavedPrompt = { action, answer: resolve }
    })
    this.unsavedPrompt = null
    if (answer === 'cancel') return false
    if (answer === 'discard') return true
    return this.save()
  }

  /** Writes the recovery file when there are unsaved changes (one write at a time). */
  autosave(): Promise<void> {
    this.#autosaving = this.#autosaving.then(() => this.#autosaveNow())
    return this.#autosaving
  }

  async #autosaveNow(): Promise<void> {
    const id = this.#app.separation.separationId
    const done = this.#app.history.done
    if (!id || !this.dirty || done === this.#autosaved) return
    // changes from now on are the next autosave's
    this.#firstUnsaved = null
    try {
      await this.#app.editor.flush()
      await callEdit(this.#app.backend, 'autosaveProject', {
        separationId: id,
        sources: this.#sources(),
        note: { edits: done.length, lastEdit: (done.at(-1)?.label ?? '').slice(0, 200) },
      })
      this.#autosaved = done
    } catch {
      // best effort: tried again `idleSec` later
    }
    if (this.#app.history.done !== this.#autosaved) this.#schedule()
  }

  /** Opens a project (dialog when no path). */
  async open(path?: string): Promise<void> {
    if (!hasEditChannel(this.#app.backend, 'openProject')) return
    if (!(await this.confirmUnsaved('loading a project'))) return
    try {
      const info = path
        ? await callEdit(this.#app.backend, 'openProject', { path })
        : await callEdit(this.#app.backend, 'openProjectDialog')
      if (info) await this.#show(info)
    } catch (e) {
      this.#app.errors.report('Opening the project', e)
    }
  }

  /** "Locate the audio": main checks the chosen file's content and points the project at it. */
  async locate(path?: string): Promise<void> {
    const pending = this.needsAudio
    if (!pending) return
    try {
      const info = await callEdit(this.#app.backend, 'locateProjectAudio', {
        projectPath: pending.projectPath,
        path,
      })
      if (info) await this.#show(info)
    } catch (e) {
      this.#app.errors.report('Locating the audio', e)
    }
  }

  /** Opens the recovery file, or forgets it. */
  async recover(accept: boolean): Promise<void> {
    const r = this.recovery
    this.recovery = null
    if (!r) return
    if (accept) {
      await this.open(r.path)
      // a recovered project is saved under a name of the user's choice: its edits are unsaved
      this.path = null
      this.#saved = null
    } else await callEdit(this.#app.backend, 'discardRecovery').catch(() => {})
  }

  async #show(info: OpenedProjectInfo): Promise<void> {
    if (info.audio.status !== 'ok' || !info.file) {
      this.needsAudio = info
      return
    }
    this.needsAudio = null
    const app = this.#app
    app.playback.pause()
    // the separation comes in beside the rest of the spectrogram: the first page is enough
    let shown!: () => void
    const firstPage = new Promise<void>((r) => (shown = r))
    const loading = app.recording.load(info.file, undefined, shown)
    await Promise.race([firstPage, loading])
    if (info.separation) {
      await app.separation.adopt(info.separation, info.sources)
      app.editor.loadHistory(info.history.undo, info.history.redo)
    }
    await loading
    this.path = info.projectPath
    this.#saved = app.history.done
  }
}
