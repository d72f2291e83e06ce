/**
 * The editor session's logic behind every IPC channel: validates arguments, tracks the open file
 * and its separations, runs tasks with progress and cancel, and asks the engine host for the
 * work. Electron's ipc handlers (ipc-handlers.ts) and the test bridge (test/bridge) both call
 * `invoke`, so the end-to-end test exercises this very code. No Electron import here: what is
 * platform-specific (dialogs, reveal, events to the window) comes in through `ShellPlatform`.
 *
 * Over 500 lines: one short method per channel, all over the same bookkeeping (the open file's
 * and the separations' ids, running tasks, the files exported this session); the argument checks
 * are validate.ts and the work is the engine process's.
 */
import { lstat, mkdir, readFile, stat, unlink } from 'node:fs/promises'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { randomUUID } from 'node:crypto'
import {
  type AppEvent,
  type AppInfo,
  type ArgsOf,
  type Channel,
  type ExportFile,
  type ExportRequest,
  type FileInfo,
  type IpcError,
  type IpcErrorCode,
  type IpcResult,
  type OpenedProjectInfo,
  type Range,
  type RecoveryInfo,
  type ResultOf,
  type SeparationSummary,
  type WireSelection,
  PROJECT_EXTENSION,
} from '../shared/ipc'
import { CloseGuard } from './close-guard'
import { EngineClient } from './engine-client'
import { CodedError } from '../shared/errors'
import type {
  HostFileInfo,
  HostOpenedProject,
  HostRange,
  HostSeparation,
} from '../shared/engine-protocol'
import type { RecentFiles } from './recent-files'
import { writeFileAtomic } from '../node/index'
import { ArgumentError, PathError, checkAudioPath, checkFolder, validators } from './validate'

/** What differs between Electron and the test bridge. */
export interface ShellPlatform {
  version: string
  platform: AppInfo['platform']
  /** True in the test bridge. */
  bridge: boolean
  /** The native open dialog for a recording or a project: an absolute path, or null when cancelled. */
  showOpenDialog(kind?: 'audio' | 'project'): Promise<string | null>
  /** The native save dialog for a project, starting at `defaultName`; null when cancelled. */
  showSaveDialog(defaultName: string): Promise<string | null>
  /** The native folder picker. */
  showFolderDialog(defaultPath?: string): Promise<string | null>
  /**
   * Main's own question before an export replaces files it did not write in this session (the
   * renderer's question does not count: a compromised page could skip it). True: replace.
   */
  confirmReplace(paths: string[]): Promise<boolean>
  /** Shows the file in the OS file manager. */
  revealInFolder(path: string): Promise<void> | void
  /** Pushes an event to the window. */
  emit(event: AppEvent): void
  /** A file was opened (window title, OS recent documents). */
  onFileOpened?(file: FileInfo): void
  /** The recent list changed (rebuild the menu). */
  onRecentChanged?(): void
  /** The renderer holds unsaved edits or no longer does (macOS: the window's edited dot). */
  onUnsavedChanged?(unsaved: boolean): void
  /** The user let the window go after the unsaved-edits question: close it (or quit). */
  closeApproved?(quit: boolean): void
}

/** Most samples per channel one getAudio/getStemAudio call returns (~6 min at 44.1 kHz). */
export const MAX_AUDIO_PAGE = 1 << 24

interface Separation {
  summary: SeparationSummary
}

interface OpenFile {
  info: FileInfo
  separations: Map<string, Separation>
}

/** Runs every IPC channel of the contract against the engine host. */
export class SessionService {
  readonly #engine: EngineClient
  readonly #platform: ShellPlatform
  readonly #recent: RecentFiles
  #file: OpenFile | undefined
  #openSeq = 0
  readonly #tasks = new Map<string, AbortController>()
  /** Files written by exports in this session: the only ones revealInFolder shows. */
  readonly #exported = new Set<string>()
  /**
   * Where main lets the renderer write (issue 16: main decides where files go). Export folders:
   * the open recording's folder and every folder main's folder dialog returned. Project files:
   * each bound to the recording it belongs to, from main's save dialog, an opened project or a
   * save; a path bound to another recording makes main ask with its dialog again.
   */
  readonly #exportFolders = new Set<string>()
  readonly #projectPaths = new Map<string, string>()

  readonly #userDataDir: string
  /** The window's close handshake with the renderer (unsaved edits ask first). */
  readonly closeGuard: CloseGuard

  constructor(
    engine: EngineClient,
    platform: ShellPlatform,
    recent: RecentFiles,
    userDataDir: string,
  ) {
    this.#engine = engine
    this.#platform = platform
    this.#recent = recent
    this.#userDataDir = userDataDir
    this.closeGuard = new CloseGuard({
      ask: (id) => platform.emit({ type: 'close-requested', id }),
      proceed: (quit) => platform.closeApproved?.(quit),
    })
  }

  /** The autosave project and its note (audio name, time) in the user-data folder. */
  get #recovery(): { project: string; note: string } {
    const dir = join(this.#userDataDir, 'recovery')
    return { project: join(dir, `autosave.${PROJECT_EXTENSION}`), note: join(dir, 'autosave.json') }
  }

  /** The open file, if any. */
  get file(): FileInfo | undefined {
    return this.#file?.info
  }

  /** Forgets ids that died with the engine process (call on an engine restart). */
  engineRestarted(): void {
    this.#file = undefined
  }

  /**
   * Runs one channel: validates `rawArgs`, then does the work. Never throws: failures come back
   * as `{ type: 'error', code, message }`. With `bulkId` (Electron), bulk results go to the
   * renderer's engine port and the value returned here is only `{ bulkId }`.
   */
  async invoke<C extends Channel>(
    channel: C,
    rawArgs: unknown,
    opts: { bulkId?: string } = {},
  ): Promise<IpcResult<ResultOf<C>>> {
    try {
      const validate = validators[channel] as ((raw: unknown) => ArgsOf<C>) | undefined
      if (!validate) throw new ArgumentError(`unknown channel ${String(channel)}`)
      const args = validate(rawArgs)
      const handler = this.#handlers[channel] as (
        a: ArgsOf<C>,
        bulkId: string | undefined,
      ) => Promise<ResultOf<C>>
      const value = await handler(args, opts.bulkId)
      return { type: 'ok', value }
    } catch (e) {
      return errorResult(e)
    }
  }

  /** Opens a file on main's own initiative (argv, OS open-file, menu); reports by event. */
  async openFromShell(path: string | null): Promise<void> {
    if (path === null) return
    const r = await this.invoke('openFile', { path })
    if (r.type === 'ok') this.#platform.emit({ type: 'file-opened', file: r.value })
    else this.#platform.emit({ type: 'error', code: r.code, message: r.message })
  }

  /** Opens the native dialog on main's own initiative (the File > Open menu). */
  async openDialogFromShell(): Promise<void> {
    await this.openFromShell(await this.#platform.showOpenDialog())
  }

  /** Cancels every running task (quitting). */
  cancelAll(): void {
    for (const c of this.#tasks.values()) c.abort()
    this.#tasks.clear()
  }

  // -------------------------------------------------------------------------------------------

  readonly #handlers: {
    [C in Channel]: (args: ArgsOf<C>, bulkId: string | undefined) => Promise<ResultOf<C>>
  } = {
    getAppInfo: async () => ({
      version: this.#platform.version,
      platform: this.#platform.platform,
      bridge: this.#platform.bridge,
      engine: this.#engine.status,
    }),

    getModelCard: async () => this.#engine.request('modelCard', {}),
    openFileDialog: async () => {
      const path = await this.#platform.showOpenDialog()
      return path === null ? null : this.#open(path)
    },
    openFile: async ({ path }) => this.#open(path),
    getFileInfo: async ({ fileId }) => this.#fileById(fileId).info,
    listRecentFiles: async () => this.#recent.list(),
    clearRecentFiles: async () => {
      const list = await this.#recent.clear()
      this.#platform.onRecentChanged?.()
      return list
    },

    getSpectrogram: async ({ fileId, range }, bulkId) => {
      const f = this.#fileById(fileId)
      const r = clampRange(range, f.info.spectrogram.frames, Number.MAX_SAFE_INTEGER)
      return this.#engine.request('spectrogram', { fileId, range: r }, bulk(bulkId))
    },
    getPeaks: async ({ fileId, peaksPerSecond }, bulkId) => {
      this.#fileById(fileId)
      return this.#engine.request('peaks', { fileId, peaksPerSecond }, bulk(bulkId))
    },
    getAudio: async ({ fileId, range }, bulkId) => {
      const f = this.#fileById(fileId)
      const r = clampRange(range, f.info.length, MAX_AUDIO_PAGE)
      return this.#engine.request('audio', { fileId, range: r }, bulk(bulkId))
    },

    analyse: async ({ taskId, fileId, stereoCue }) => {
      this.#fileById(fileId)
      const a = await this.#task(taskId, (signal, onProgress) =>
        this.#engine.request('analyse', { fileId, stereoCue: !!stereoCue }, { signal, onProgress }),
      )
      return { fileId, ...a }
    },
    cluster: async ({ fileId, sourceCount, mask, stereoCue, taskId }) => {
      const f = this.#fileById(fileId)
      const separationId = `s-${randomUUID()}`
      const run = (signal?: AbortSignal, onProgress?: ProgressFn): Promise<SeparationSummary> =>
        this.#engine
          .request(
            'cluster',
            { fileId, separationId, sourceCount, mask: mask ?? 'soft', stereoCue: !!stereoCue },
            { ...(signal ? { signal } : {}), ...(onProgress ? { onProgress } : {}) },
          )
          .then((s) => summaryOf(separationId, fileId, s))
      const summary = taskId !== undefined ? await this.#task(taskId, run) : await run()
      if (this.#file !== f) throw staleFile()
      f.separations.set(separationId, { summary })
      return summary
    },
    getMasks: async ({ separationId, range }, bulkId) => {
      const s = this.#separationById(separationId)
      const r = clampRange(range, s.summary.grid.frames, Number.MAX_SAFE_INTEGER)
      return this.#engine.request('masks', { separationId, range: r }, bulk(bulkId))
    },
    getStemAudio: async ({ separationId, sources, range, taskId }, bulkId) => {
      const s = this.#separationById(separationId)
      checkSources(sources, s.summary.sourceCount)
      const r = clampRange(range, this.#file!.info.length, MAX_AUDIO_PAGE)
      const run = (signal?: AbortSignal, onProgress?: ProgressFn) =>
        this.#engine.request(
          'stems',
          { separationId, sources, range: r },
          {
            ...bulk(bulkId),
            ...(signal ? { signal } : {}),
            ...(onProgress ? { onProgress } : {}),
          },
        )
      return taskId !== undefined ? this.#task(taskId, run) : run()
    },

    getSelectionAudio: async ({ separationId, selection, part }, bulkId) => {
      this.#separationById(separationId)
      return this.#engine.request('selectionAudio', { separationId, selection, part }, bulk(bulkId))
    },

    cancelTask: async ({ taskId }) => {
      const c = this.#tasks.get(taskId)
      if (!c) return false
      c.abort()
      return true
    },

    chooseExportFolder: async ({ defaultPath }) => {
      const folder = await this.#platform.showFolderDialog(defaultPath)
      if (folder !== null) this.#exportFolders.add(resolve(folder))
      return folder
    },
    planExport: async (req) => this.#plan(req),
    exportStems: async (req) => {
      const files = await this.#plan(req)
      if (req.overwrite === 'never' && files.some((f) => f.exists)) {
        return { status: 'exists' as const, files }
      }
      // Replacing a file this session did not write needs main's own yes.
      const foreign = files
        .filter((f) => f.exists && !this.#exported.has(f.path))
        .map((f) => f.path)
      if (foreign.length && !(await this.#platform.confirmReplace(foreign))) {
        return { status: 'exists' as const, files }
      }
      const r = await this.#task(req.taskId, (signal, onProgress) =>
        this.#engine.request(
          'export',
          {
            separationId: req.separationId,
            targets: files.map((f) => ({ index: f.index, path: f.path })),
            format: req.format.container,
            bits: req.format.bits,
            force: req.overwrite === 'replace',
          },
          { signal, onProgress },
        ),
      )
      for (const f of files) this.#exported.add(f.path)
      return { status: 'written' as const, files, timingsSec: r.timingsSec }
    },
    getEnergyShares: async ({ separationId }) => {
      this.#separationById(separationId)
      return this.#engine.request('energyShares', { separationId })
    },
    editMasks: async ({ separationId, op }) => {
      const s = this.#separationById(separationId)
      if (op.type === 'apply') {
        checkSelectionGrid(op.command.selection, s.summary.grid)
        const a = op.command.action
        checkSources(
          'to' in a ? [a.to, ...('from' in a ? [a.from] : [])] : [],
          s.summary.sourceCount,
        )
      }
      return this.#engine.request('edit', { separationId, op })
    },
    wandSelect: async ({ separationId, seed, share }) => {
      const s = this.#separationById(separationId)
      if ('selection' in seed) checkSelectionGrid(seed.selection, s.summary.grid)
      return this.#engine.request('wand', { separationId, seed, share })
    },
    reclusterWithEdits: async ({ separationId, taskId }) => {
      const f = this.#file
      const s = this.#separationById(separationId)
      const newSeparationId = `s-${randomUUID()}`
      const run = (signal?: AbortSignal, onProgress?: ProgressFn): Promise<SeparationSummary> =>
        this.#engine
          .request(
            'recluster',
            { separationId, newSeparationId },
            { ...(signal ? { signal } : {}), ...(onProgress ? { onProgress } : {}) },
          )
          .then((h) => summaryOf(newSeparationId, s.summary.fileId, h))
      const summary = taskId !== undefined ? await this.#task(taskId, run) : await run()
      if (this.#file !== f || !f) throw staleFile()
      f.separations.set(newSeparationId, { summary })
      return summary
    },
    saveProject: async ({ separationId, path, sources }) => {
      const s = this.#separationById(separationId)
      const recording = this.#file!.info.path
      // A path is used only if main handed it out for this recording; otherwise main asks.
      let target =
        path !== undefined && this.#projectPaths.get(resolve(path)) === recording ? path : undefined
      if (target === undefined) {
        const stem = basename(this.#file!.info.name, extname(this.#file!.info.name))
        const chosen = await this.#platform.showSaveDialog(`${stem}.${PROJECT_EXTENSION}`)
        if (chosen === null) return null
        target = chosen.toLowerCase().endsWith(`.${PROJECT_EXTENSION}`)
          ? chosen
          : `${chosen}.${PROJECT_EXTENSION}`
        target = validators.openProject({ path: target }).path
      }
      await checkFolder(dirname(target))
      const r = await this.#engine.request('saveProject', {
        separationId: s.summary.separationId,
        path: target,
        sources,
      })
      this.#projectPaths.set(resolve(r.path), recording)
      // A normal save makes the autosave moot.
      await this.#discardRecovery()
      return { path: r.path, sizeBytes: r.bytes }
    },
    openProjectDialog: async () => {
      const path = await this.#platform.showOpenDialog('project')
      return path === null ? null : this.#openProject(validators.openProject({ path }).path)
    },
    openProject: async ({ path }) => this.#openProject(path),
    locateProjectAudio: async ({ projectPath, path }) => {
      const chosen = path ?? (await this.#platform.showOpenDialog('audio'))
      if (chosen === null) return null
      await checkAudioPath(chosen)
      return this.#projectOpened((fileId, separationId) =>
        this.#engine.request('locateProject', { projectPath, path: chosen, fileId, separationId }),
      )
    },
    autosaveProject: async ({ separationId, sources, note: holds }) => {
      this.#separationById(separationId)
      const { project, note } = this.#recovery
      await mkdir(dirname(project), { recursive: true })
      const r = await this.#engine.request('saveProject', { separationId, path: project, sources })
      const info: RecoveryInfo = {
        path: r.path,
        audioName: this.#file?.info.name ?? '',
        savedAt: new Date().toISOString(),
        ...holds,
      }
      await writeFileAtomic(note, `${JSON.stringify(info)}\n`, { mode: 0o600 })
      return { path: r.path }
    },
    getRecovery: async () => {
      const { project, note } = this.#recovery
      try {
        const info = JSON.parse(await readFile(note, 'utf8')) as Partial<RecoveryInfo>
        const st = await stat(project)
        if (!st.isFile() || typeof info.savedAt !== 'string') return null
        return {
          path: project,
          audioName: String(info.audioName ?? ''),
          savedAt: info.savedAt,
          edits: Number.isInteger(info.edits) ? info.edits! : 0,
          lastEdit: typeof info.lastEdit === 'string' ? info.lastEdit.slice(0, 200) : '',
        }
      } catch {
        return null
      }
    },
    discardRecovery: async () => {
      await this.#discardRecovery()
      return null
    },
    setUnsavedEdits: async ({ unsaved }) => {
      this.closeGuard.setUnsaved(unsaved)
      this.#platform.onUnsavedChanged?.(unsaved)
      return null
    },
    confirmClose: async ({ id, close }) => {
      // saved (which dropped it already) or discarded: the recovery file holds nothing wanted
      if (close && this.closeGuard.pending(id)) await this.#discardRecovery()
      this.closeGuard.answer(id, close)
      return null
    },
    revealInFolder: async ({ path }) => {
      if (!this.#exported.has(path)) {
        throw new ArgumentError('revealInFolder: only files exported in this session can be shown')
      }
      await this.#platform.revealInFolder(path)
      return null
    },
  }

  // -------------------------------------------------------------------------------------------

  async #open(path: string): Promise<FileInfo> {
    await checkAudioPath(path)
    const seq = ++this.#openSeq
    const fileId = `f-${randomUUID()}`
    // The host drops what was open once the new file has decoded; a file that fails leaves the
    // open one, its separations and edits as they were.
    const h = await this.#engine.request('open', { fileId, path })
    if (seq !== this.#openSeq) throw staleFile()
    this.cancelAll()
    const info = fileInfoOf(fileId, path, h)
    this.#file = { info, separations: new Map() }
    this.#exportFolders.add(dirname(resolve(path)))
    await this.#recent.add(path).catch(() => undefined) // a read-only profile must not stop opening
    this.#platform.onRecentChanged?.()
    this.#platform.onFileOpened?.(info)
    return info
  }

  async #openProject(path: string): Promise<OpenedProjectInfo> {
    const st = await stat(path).catch(() => undefined)
    if (!st?.isFile()) throw new PathError(`${path} does not exist or is not a file.`, 'input')
    return this.#projectOpened((fileId, separationId) =>
      this.#engine.request('openProject', { path, fileId, separationId }),
    )
  }

  /** Runs a host project open/locate with fresh ids; on success the recording becomes the open file. */
  async #projectOpened(
    run: (fileId: string, separationId: string) => Promise<HostOpenedProject>,
  ): Promise<OpenedProjectInfo> {
    const fileId = `f-${randomUUID()}`
    const separationId = `s-${randomUUID()}`
    const seq = ++this.#openSeq
    const h = await run(fileId, separationId)
    const base = {
      projectPath: h.projectPath,
      audio: h.audio,
      sources: h.sources,
      history: h.history,
    }
    if (!h.file || !h.separation) return { ...base, file: null, separation: null }
    if (seq !== this.#openSeq) throw staleFile()
    this.cancelAll()
    const info = fileInfoOf(fileId, h.audio.path, h.file)
    const summary = summaryOf(separationId, fileId, h.separation)
    this.#file = { info, separations: new Map([[separationId, { summary }]]) }
    this.#exportFolders.add(dirname(resolve(h.audio.path)))
    this.#projectPaths.set(resolve(h.projectPath), info.path)
    this.#platform.onFileOpened?.(info)
    return { ...base, file: info, separation: summary }
  }

  async #discardRecovery(): Promise<void> {
    const { project, note } = this.#recovery
    await Promise.all([unlink(project), unlink(note)].map((p) => p.catch(() => undefined)))
  }

  #fileById(fileId: string): OpenFile {
    if (!this.#file || this.#file.info.fileId !== fileId) throw staleFile()
    return this.#file
  }

  #separationById(separationId: string): Separation {
    const s = this.#file?.separations.get(separationId)
    if (!s) {
      throw new CodedError('stale', 'That separation is no longer available; separate again.')
    }
    return s
  }

  /** Runs `fn` as task `taskId`: progress events, cancel by id. */
  async #task<T>(
    taskId: string,
    fn: (signal: AbortSignal, onProgress: ProgressFn) => Promise<T>,
  ): Promise<T> {
    if (this.#tasks.has(taskId))
      throw new ArgumentError(`taskId: task ${taskId} is already running`)
    const controller = new AbortController()
    this.#tasks.set(taskId, controller)
    try {
      const value = await fn(controller.signal, (stage, fraction, etaSec) =>
        this.#platform.emit({ type: 'progress', taskId, stage, fraction, etaSec }),
      )
      // Cancelled after the work finished but before the answer arrived: honour the cancel, so
      // cancelTask() === true always means the call resolves as cancelled.
      if (controller.signal.aborted) throw new CodedError('cancelled', 'Cancelled.')
      return value
    } finally {
      this.#tasks.delete(taskId)
    }
  }

  /** The files an export writes, and which exist already. */
  async #plan(req: ExportRequest): Promise<ExportFile[]> {
    const s = this.#separationById(req.separationId)
    checkSources(req.sources, s.summary.sourceCount)
    if (!this.#exportFolders.has(resolve(req.folder)))
      throw new ArgumentError(
        `export: ${req.folder} is not a folder chosen in this session. Choose it with "Choose folder…".`,
      )
    await checkFolder(req.folder)
    const input = this.#file!.info.name
    const stem = basename(input, extname(input))
    const ext = req.format.container
    const names = req.sources.map((index) =>
      stemFileName(req.template, {
        name: stem,
        source: req.sourceNames?.[index] ?? `Source ${index + 1}`,
        index: index + 1,
        count: s.summary.sourceCount,
        ext,
      }),
    )
    const lower = names.map((n) => n.toLowerCase())
    if (new Set(lower).size !== names.length) {
      throw new ArgumentError(
        'template: two stems would get the same file name; include {index} in the template',
      )
    }
    if (lower.includes(input.toLowerCase())) {
      throw new ArgumentError('template: a stem would replace the input file; change the template')
    }
    return Promise.all(
      req.sources.map(async (index, i) => {
        const path = join(req.folder, names[i]!)
        const exists = await lstat(path).then(
          () => true,
          () => false,
        )
        return { index, path, exists }
      }),
    )
  }
}

type ProgressFn = (stage: string, fraction: number, etaSec: number | null) => void

/** The file name of one stem from the template (see DEFAULT_NAME_TEMPLATE). */
export function stemFileName(
  template: string,
  v: { name: string; source: string; index: number; count: number; ext: string },
): string {
  const safe = (s: string): string =>
    // eslint-disable-next-line no-control-regex
    s.replace(/[/\\:*?"<>|\u0000-\u001f]/g, '_').trim()
  const base = template.replace(/\{(name|source|index|count)\}/g, (_, t: string) => {
    switch (t) {
      case 'name':
        return safe(v.name)
      case 'source':
        return safe(v.source) || `Source ${v.index}`
      case 'index':
        return String(v.index)
      default:
        return String(v.count)
    }
  })
  const trimmed = base.trim().replace(/^\.+/, '')
  if (!trimmed) throw new ArgumentError('template: the file name would be empty')
  if (trimmed.length > 200) throw new ArgumentError('template: the file name would be too long')
  return `${trimmed}.${v.ext}`
}

/** FileInfo from what the host said about a decoded file. */
function fileInfoOf(fileId: string, path: string, h: HostFileInfo): FileInfo {
  return {
    fileId,
    path,
    name: basename(path),
    format: h.format,
    ...(h.bitDepth !== undefined ? { bitDepth: h.bitDepth } : {}),
    sampleRate: h.sampleRate,
    channels: h.channels,
    length: h.length,
    durationSec: h.durationSec,
    spectrogram: h.spectrogram,
    timingsSec: h.timingsSec,
  }
}

/** SeparationSummary from what the host said about a clustering. */
function summaryOf(separationId: string, fileId: string, h: HostSeparation): SeparationSummary {
  return {
    separationId,
    fileId,
    sourceCount: h.sourceCount,
    auto: h.auto,
    suggestion: h.suggestion,
    mask: h.mask,
    grid: h.grid,
    stereoCue: h.stereoCue,
    sources: h.energyShares.map((energyShare, index) => ({ index, energyShare })),
    timingsSec: h.timingsSec,
  }
}

/** A selection must fit the separation's mask grid. */
function checkSelectionGrid(sel: WireSelection, grid: { frames: number; bins: number }): void {
  if (sel.frame0 + sel.frames > grid.frames || sel.bin0 + sel.bins > grid.bins) {
    throw new ArgumentError(
      `selection: ${sel.frame0}+${sel.frames} x ${sel.bin0}+${sel.bins} does not fit the ${grid.frames} x ${grid.bins} mask grid`,
    )
  }
}

function bulk(bulkId: string | undefined): { bulkId?: string } {
  return bulkId !== undefined ? { bulkId } : {}
}

function checkSources(sources: number[], count: number): void {
  for (const s of sources) {
    if (s >= count) {
      throw new ArgumentError(
        `sources: source ${s + 1} does not exist (this separation has ${count})`,
      )
    }
  }
}

function clampRange(range: Range | undefined, length: number, maxSpan: number): HostRange {
  const from = Math.min(range?.from ?? 0, length)
  const to = Math.min(range?.to ?? length, length, from + maxSpan)
  return { from, to: Math.max(from, to) }
}

function staleFile(): CodedError {
  return new CodedError('stale', 'That file is no longer open; open it again.')
}

/** Any thrown value as an IPC error. */
export function errorResult(e: unknown): IpcError {
  let code: IpcErrorCode = 'internal'
  let message = e instanceof Error ? e.message : String(e)
  if (e instanceof CodedError) code = e.code
  else message = `Something went wrong: ${message}`
  return { type: 'error', code, message }
}
