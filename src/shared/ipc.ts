/**
 * The ONE typed IPC contract between the renderer and the main process.
 *
 * Over 500 lines on purpose: every channel's arguments and result sit beside the channel map and
 * the rules below, so the contract reads in one place; split, its types would be scattered across
 * files that all import each other.
 *
 * `IpcContract` maps every channel (named after the `window.api` method that calls it) to its
 * argument object and its result. Main registers one handler per channel from this map, the
 * preload derives `window.api.<channel>(args)` from it, the test bridge serves the same map over a
 * local socket, and the renderer's `window.api` type (src/preload/api.d.ts) is `UnweaveApi` below.
 *
 * Rules every channel follows:
 * - one argument object (never positional `any[]`), validated by main before use;
 * - the result is data, never a thrown error: `IpcResult<T>` is `{ type: 'ok', value }` or
 *   `{ type: 'error', message, code }` with a message fit to show in the window;
 * - large numeric payloads (spectrogram, masks, audio) are typed arrays, transferred, not JSON;
 * - long work takes a caller-chosen `taskId`; progress arrives as `AppEvent`s of type 'progress'
 *   carrying that id, and `cancelTask({ taskId })` stops it (the call then resolves with
 *   `{ type: 'error', code: 'cancelled' }`).
 *
 * Indices of sources are 0-based everywhere in the contract; the UI shows them 1-based.
 * This module imports nothing (layering rule, habit 3).
 */

// ---------------------------------------------------------------------------------------------
// Results and errors as data

/** Why a call failed; `message` says what was wrong and what to do, in the user's words. */
export type IpcErrorCode =
  /** The file cannot be opened or decoded, or is not audio we read. */
  | 'input'
  /** The model is missing, invalid or cannot be loaded by the runtime. */
  | 'model'
  /** An output exists or cannot be written. */
  | 'output'
  /** An argument was invalid (wrong type, out of range, unknown id). A bug in the caller. */
  | 'invalid-argument'
  /** The id names a file or separation that is no longer open (another file was opened). */
  | 'stale'
  /** The task was cancelled by `cancelTask`, by opening another file, or by a newer separation. */
  | 'cancelled'
  /** The engine process crashed or failed; it is restarted, the call may be retried. */
  | 'engine'
  /** Anything else. */
  | 'internal'

/** A failed call, as data. */
export interface IpcError {
  type: 'error'
  code: IpcErrorCode
  message: string
}

/** A successful call. */
export interface IpcOk<T> {
  type: 'ok'
  value: T
}

/** What every `window.api` call resolves to (it never rejects). */
export type IpcResult<T> = IpcOk<T> | IpcError

// ---------------------------------------------------------------------------------------------
// Shared value types

/** Limits the contract checks. */
export const LIMITS = {
  /** Source counts the user may ask for. */
  minSources: 1,
  maxSources: 8,
  /** Extensions the app opens (lower case, no dot). */
  audioExtensions: ['wav', 'wave', 'rf64', 'bw64', 'flac', 'mp3', 'ogg', 'oga', 'opus'] as const,
  /** Recent files kept. */
  recentFiles: 10,
} as const

/** Lower-case extension (no dot) of a file the app opens. */
export type AudioExtension = (typeof LIMITS.audioExtensions)[number]

/** The number of sources: a fixed count in [1, 8] or 'auto' (the engine suggests one). */
export type SourceCount = number | 'auto'

/**
 * 'hard': each bin belongs to one source (argmax masks); 'soft': bins are shared by confidence
 * (softmax of -beta x cosine distance).
 */
export type MaskMode = 'hard' | 'soft'

/** An audio file opened in the editor; `fileId` names it in later calls. */
export interface FileInfo {
  /** Opaque id of this opened file; stale once another file is opened. */
  fileId: string
  /** Absolute path. */
  path: string
  /** File name with extension, no folder. */
  name: string
  /** Container/codec as decoded, e.g. 'wav', 'flac', 'mp3'. */
  format: string
  /** Bits per sample of PCM formats, when the format has one. */
  bitDepth?: number
  /** The file's own rate, Hz. */
  sampleRate: number
  channels: number
  /** Samples per channel. */
  length: number
  durationSec: number
  /** The display spectrogram's grid (fetch its data with `getSpectrogram`). */
  spectrogram: SpectrogramGrid
  /**
   * Seconds: decoding; and computing the display spectrogram so far (it is computed on demand,
   * the pages asked for first, so this is 0 right after opening).
   */
  timingsSec: { decode: number; spectrogram: number }
}

/** A recent-files entry, newest first. */
export interface RecentFile {
  path: string
  name: string
  /** ISO time it was last opened. */
  openedAt: string
  /** False when the file is gone (shown greyed out). */
  exists: boolean
}

/** The grid of the display spectrogram, computed once by the engine at the file's own rate. */
export interface SpectrogramGrid {
  /** The file's rate, Hz: bins cover 0 .. sampleRate / 2 (the whole band). */
  sampleRate: number
  nFft: number
  /** Hop in samples at sampleRate; frame t is centred on sample t * hop. */
  hop: number
  /** Frames of the whole file. */
  frames: number
  /** nFft / 2 + 1; bin f is at f * sampleRate / nFft Hz. */
  bins: number
  /**
   * The range `db` values are quantised to: value v means dbMin + v / 255 * (dbMax - dbMin).
   * Fixed for every file (-120 .. 0 dB re full scale), so the gain/range controls mean the same.
   */
  dbMin: number
  dbMax: number
}

/**
 * A frame range of the display spectrogram: dB magnitudes of the channels' mean, quantised to
 * 0..255 over [dbMin, dbMax] of the grid (0 dB = a full-scale sine). Row-major t-major:
 * `db[(t - fromFrame) * bins + f]`.
 */
export interface SpectrogramPage {
  fileId: string
  grid: SpectrogramGrid
  /** First frame in this page (inclusive). */
  fromFrame: number
  /** One past the last frame in this page. */
  toFrame: number
  /** uint8 [(toFrame - fromFrame) * bins]. */
  db: Uint8Array
}

/** Planar float32 audio at `sampleRate`, samples [fromSample, toSample) of the file. */
export interface AudioPage {
  sampleRate: number
  fromSample: number
  toSample: number
  /** One Float32Array per channel, each toSample - fromSample long. */
  channels: Float32Array[]
}

/** Waveform overview: per channel, min and max of each block of sampleRate / peaksPerSecond samples. */
export interface WaveformPeaks {
  fileId: string
  peaksPerSecond: number
  /** Peaks per channel (the same for every channel). */
  length: number
  /** One Float32Array per channel, interleaved [min0, max0, min1, max1, ...], 2 * length long. */
  channels: Float32Array[]
}

/** Progress of a long task. */
export interface Progress {
  taskId: string
  /** Stage now running, e.g. 'decode', 'embed', 'kmeans', 'synthesize', 'encode'. */
  stage: string
  /** 0..1 of the whole task. */
  fraction: number
  /** Estimated seconds left, null while unknown. */
  etaSec: number | null
}

/** The engine's suggestion for the number of sources. */
export interface SourceCountSuggestion {
  /** Suggested count in [1, maxK] (maxK: 8 in the app). */
  count: number
  /** 0..1: how clearly `count` beat the other counts. */
  confidence: number
  /** Score per k = 1..maxK (index k-1), higher is better. */
  scores: number[]
}

/** What `analyse` returns: the network ran, its embeddings are cached in the engine process. */
export interface AnalysisSummary {
  fileId: string
  suggestion: SourceCountSuggestion
  /** Execution provider that ran the model, e.g. 'cpu', 'cuda'. */
  provider: string
  /** Model name and version. */
  model: { name: string; version: string }
  /** Seconds per stage and 'total'. */
  timingsSec: Record<string, number>
  /** Weight of the stereo cue in the analysis (0: none; see `analyse`'s stereoCue). */
  stereoCue: number
}

/** The grid of the masks: the model's analysis grid (not the display grid). */
export interface MaskGrid {
  /** Analysis rate (the model's), Hz: bins cover 0 .. sampleRate / 2. */
  sampleRate: number
  nFft: number
  /** Frame t is centred on t * hop / sampleRate seconds of the file. */
  hop: number
  frames: number
  bins: number
}

/** One source of a separation. */
export interface SourceSummary {
  /** 0-based. */
  index: number
  /**
   * The clustering's share of the time-frequency weight, 0..1 (all sources sum to 1): what the
   * masks hold, not the stems' energy, which `getEnergyShares` gives.
   */
  energyShare: number
}

/** What `cluster` returns: k sources from the cached embeddings (no inference). */
export interface SeparationSummary {
  /** Opaque id of this separation; stale once the file is re-clustered or closed. */
  separationId: string
  fileId: string
  /** The k used (the suggestion's when 'auto' was asked). */
  sourceCount: number
  /** Whether the count came from 'auto'. */
  auto: boolean
  suggestion: SourceCountSuggestion
  mask: MaskMode
  grid: MaskGrid
  /** Weight of the stereo cue in the analysis the masks came from (0: none). */
  stereoCue: number
  sources: SourceSummary[]
  timingsSec: Record<string, number>
}

/**
 * A frame range of every source's mask on the model grid, quantised: value v means v / 255.
 * At every bin the masks of all sources sum to ~255 (1). `masks[s][(t - fromFrame) * bins + f]`.
 */
export interface MaskPage {
  separationId: string
  grid: MaskGrid
  fromFrame: number
  toFrame: number
  /** uint8 [sourceCount][(toFrame - fromFrame) * bins]. */
  masks: Uint8Array[]
}

/**
 * Stem audio for playback, made by the engine's `synthesizeStems` (the export's own code, so
 * what you hear is what you export). Stems sum to the file.
 */
export interface StemAudio {
  separationId: string
  sampleRate: number
  fromSample: number
  toSample: number
  /** One entry per requested source, in request order. */
  stems: { index: number; channels: Float32Array[] }[]
}

/** Stem file formats. */
export type ExportFormat =
  { container: 'wav'; bits: 16 | 24 | '32f' } | { container: 'flac'; bits: 16 | 24 }

/** What to do when a target file exists: 'never' reports it (status 'exists'); 'replace' overwrites. */
export type OverwritePolicy = 'never' | 'replace'

/**
 * File-name template tokens: {name} the input's name without extension, {source} the source's
 * name, {index} its 1-based number, {count} the number of sources. The extension is added.
 * Default `{name}.source-{index}` (the CLI's names).
 */
export const DEFAULT_NAME_TEMPLATE = '{name}.source-{index}'

/** What to export. */
export interface ExportRequest {
  separationId: string
  /** 0-based source indices, at least one, no repeats. */
  sources: number[]
  /** The user's names of all sources (index = source), used by {source}; defaults 'Source N'. */
  sourceNames?: string[]
  /** Absolute, existing, writable folder. */
  folder: string
  format: ExportFormat
  /** See DEFAULT_NAME_TEMPLATE; no path separators. */
  template: string
  overwrite: OverwritePolicy
}

/** A planned or written stem file. */
export interface ExportFile {
  /** 0-based source index. */
  index: number
  /** Absolute path. */
  path: string
  /** Whether a file is at `path` already (plan) / was replaced (result). */
  exists: boolean
}

/** The outcome of an export: written, or nothing written because files exist. */
export type ExportOutcome =
  | { status: 'written'; files: ExportFile[]; timingsSec: Record<string, number> }
  | { status: 'exists'; files: ExportFile[] }

/** State of the engine process, for the status bar. */
export interface EngineStatus {
  state: 'starting' | 'ready' | 'restarting' | 'failed'
  /** Execution provider when ready. */
  provider?: string
  model?: { name: string; version: string }
  message?: string
}

/** One measured case of the model card: SI-SDR improvement over the mixture, soft masks, true count. */
export interface ModelCardScore {
  /** The evaluation split's name (e.g. 'speech2'). */
  split: string
  sources: number
  /** The model's SI-SDR improvement, dB. */
  sisdri: number
  /** The ideal binary mask's (an oracle that knows the sources), dB. */
  sisdriIbm: number
}

/** What the shipped model can and cannot do, from its metadata (models/<name>.json). */
export interface ModelCard {
  name: string
  version: string
  /** Training steps, when the file says. */
  steps: number | null
  scores: ModelCardScore[]
}

/** Facts about the app. */
export interface AppInfo {
  version: string
  platform: 'darwin' | 'win32' | 'linux' | 'other'
  /** True when served by the test bridge instead of Electron. */
  bridge: boolean
  engine: EngineStatus
}

// ---------------------------------------------------------------------------------------------
// Mask editing and projects (issue 5). Structurally the engine's Selection / EditCommand /
// TouchedRange (src/engine/edits), which main applies with the same code as the renderer.

/**
 * A selection on the mask (model) grid: frames [frame0, frame0 + frames) x bins [bin0, bin0 + bins),
 * weights uint8 [frames * bins] (t-major, 255 = fully selected).
 */
export interface WireSelection {
  frame0: number
  frames: number
  bin0: number
  bins: number
  weights: Uint8Array
}

/** What an edit does to the selected bins (source indices 0-based). */
export type EditAction =
  | { type: 'assign'; to: number }
  | { type: 'move'; from: number; to: number }
  | { type: 'split' }
  | { type: 'restore' }

/** The tools an edit is made with ('selection': a selection built with several tools). */
export const EDIT_TOOLS = [
  'brush',
  'eraser',
  'rect',
  'lasso',
  'time',
  'band',
  'wand',
  'selection',
] as const

/** The tool an edit was made with. */
export type EditTool = (typeof EDIT_TOOLS)[number]

/** One edit: an action over a selection, and the tool it was made with (for its name). */
export interface WireEditCommand {
  action: EditAction
  selection: WireSelection
  tool?: EditTool
}

/** What `editMasks` does with main's copy of the edited masks. */
export type EditOp =
  { type: 'apply'; command: WireEditCommand } | { type: 'undo' } | { type: 'redo' }

/** Model frames [frameStart, frameEnd) and bins [binStart, binEnd) an edit wrote. */
export interface TouchedRange {
  frameStart: number
  frameEnd: number
  binStart: number
  binEnd: number
}

/** The result of an edit, undo or redo in main. */
export interface EditResult {
  /** What changed (re-read the stem windows over it); null when nothing did. */
  touched: TouchedRange | null
  undoDepth: number
  redoDepth: number
}

/** A source's name and colour as a project keeps them. */
export interface ProjectSourceInfo {
  name: string
  /** CSS colour, e.g. '#e0a030'. */
  colour: string
}

/** What opening a project gives. */
export interface OpenedProjectInfo {
  /** Absolute path of the .unweave file. */
  projectPath: string
  /** Whether its recording is where it says and unchanged; offer "locate" unless 'ok'. */
  audio: { status: 'ok' | 'missing' | 'changed'; path: string; message?: string }
  /** The recording, opened; null unless audio.status is 'ok'. */
  file: FileInfo | null
  /** The project's separation (getMasks gives its AUTOMATIC masks); null unless audio is ok. */
  separation: SeparationSummary | null
  sources: ProjectSourceInfo[]
  /** Undo stack oldest first, redo stack with the next redo last (main has replayed them). */
  history: { undo: WireEditCommand[]; redo: WireEditCommand[] }
}

/** An autosaved project left by a session that did not close normally. */
export interface RecoveryInfo {
  /** Absolute path of the recovery project (open it with openProject). */
  path: string
  /** File name of its recording. */
  audioName: string
  /** ISO time of the autosave. */
  savedAt: string
  /** Changes in it (the History's length when it was written). */
  edits: number
  /** The History's name of its last change ('' when unknown). */
  lastEdit: string
}

/**
 * How fresh the recovery file is: the renderer autosaves `idleSec` after the last change, and at
 * most `maxSec` after the oldest change the autosave does not hold yet (while edits keep coming).
 * A crash loses at most the changes of the last `maxSec` seconds plus one autosave's write.
 */
export const AUTOSAVE = { idleSec: 2, maxSec: 5 } as const

/** Project files' extension. */
export const PROJECT_EXTENSION = 'unweave'

// ---------------------------------------------------------------------------------------------
// Events (main -> renderer)

/** Commands from the native menu that the renderer carries out. */
export type MenuCommand =
  | 'export'
  | 'undo'
  | 'redo'
  | 'play-pause'
  | 'separate'
  | 'zoom-in'
  | 'zoom-out'
  | 'zoom-fit'
  | 'close-file'
  | 'save-project'
  | 'save-project-as'
  | 'open-project'
  | 'select-all'
  | 'select-invert'
  | 'select-none'

/** Everything main pushes to the renderer on the one event channel. */
export type AppEvent =
  | ({ type: 'progress' } & Progress)
  /** Main opened a file by itself (menu, command-line argument, OS open-file, recent menu). */
  | { type: 'file-opened'; file: FileInfo }
  /** A native menu item or its shortcut was used. */
  | { type: 'menu'; command: MenuCommand }
  /** The engine process changed state (e.g. crashed and restarted: ids are stale). */
  | { type: 'engine'; status: EngineStatus }
  /** An error not tied to a call (e.g. opening a file from the OS failed). */
  | { type: 'error'; code: IpcErrorCode; message: string }
  /**
   * The window is closing (or the app quitting) while the renderer has said it holds unsaved
   * edits: main kept the window; the renderer asks Save / Discard / Cancel and answers with
   * `confirmClose`.
   */
  | { type: 'close-requested'; id: number }

// ---------------------------------------------------------------------------------------------
// The contract

/** Frame or sample range; both optional (default: everything), clamped to the file. */
export interface Range {
  from?: number
  to?: number
}

/** The args of a channel that takes none (call it with no parameter). */
export type NoArgs = Record<never, never>

/** channel -> { args, result }. The channel name is the `window.api` method name. */
export interface IpcContract {
  /** App version, platform, engine state. */
  getAppInfo: { args: NoArgs; result: AppInfo }

  /** Shows the native open dialog and opens the chosen file; null when cancelled. */
  openFileDialog: { args: NoArgs; result: FileInfo | null }
  /** The model's card: its measured scores, read from its metadata (no network is loaded). */
  getModelCard: { args: NoArgs; result: ModelCard }
  /** Opens a file by absolute path (drag and drop via `pathForFile`, recent list). */
  openFile: { args: { path: string }; result: FileInfo }
  /** The open file's info (e.g. after an 'engine' event). */
  getFileInfo: { args: { fileId: string }; result: FileInfo }
  /** Recent files, newest first. */
  listRecentFiles: { args: NoArgs; result: RecentFile[] }
  /** Empties the recent list. */
  clearRecentFiles: { args: NoArgs; result: RecentFile[] }

  /** Frames [range.from, range.to) of the display spectrogram (default all). */
  getSpectrogram: { args: { fileId: string; range?: Range }; result: SpectrogramPage }
  /** Waveform min/max overview of the whole file; peaksPerSecond in [1, 1000]. */
  getPeaks: { args: { fileId: string; peaksPerSecond: number }; result: WaveformPeaks }
  /**
   * Samples [range.from, range.to) of the file, planar float32 at its own rate; at most 2^24
   * samples per call (the page's fromSample/toSample say what it holds).
   */
  getAudio: { args: { fileId: string; range?: Range }; result: AudioPage }

  /** Runs the network on the file (progress events under taskId); embeddings are cached. */
  /**
   * stereoCue: let where sounds sit between the speakers count beside the embeddings (a stereo
   * file only; another setting than the cached analysis's runs the network again).
   */
  analyse: {
    args: { taskId: string; fileId: string; stereoCue?: boolean }
    result: AnalysisSummary
  }
  /** k sources from the cached embeddings (k-means, no inference). Analyses first if needed. */
  cluster: {
    args: {
      fileId: string
      sourceCount: SourceCount
      mask?: MaskMode
      stereoCue?: boolean
      taskId?: string
    }
    result: SeparationSummary
  }
  /** Frames [range.from, range.to) of every source's mask on the model grid. */
  getMasks: { args: { separationId: string; range?: Range }; result: MaskPage }
  /**
   * Stem audio for playback (the export's code); samples [range.from, range.to) at the file's
   * rate, at most 2^24 per call: that window of the stems is synthesized (progress under taskId),
   * identical to the same slice of the exported stems.
   */
  getStemAudio: {
    args: { separationId: string; sources: number[]; range?: Range; taskId?: string }
    result: StemAudio
  }
  /**
   * The mixture through a selection (stems[0].index 0: only the selected bins, by their weights) or
   * through its complement (index 1: everything but the selection), over the samples the
   * selection's frames reach: the export's mask code with the selection as the mask.
   */
  getSelectionAudio: {
    args: { separationId: string; selection: WireSelection; part: 'selection' | 'rest' }
    result: StemAudio
  }

  /** Cancels a running task; false when no such task runs. */
  cancelTask: { args: { taskId: string }; result: boolean }

  /** Shows the native folder picker; null when cancelled. */
  chooseExportFolder: { args: { defaultPath?: string }; result: string | null }
  /** The files an export would write and which of them exist (nothing is written). */
  planExport: { args: ExportRequest; result: ExportFile[] }
  /** Writes the stems (progress under taskId). With overwrite 'never', nothing is written if any exists. */
  exportStems: { args: ExportRequest & { taskId: string }; result: ExportOutcome }
  /** Shows a file in the OS file manager. */
  revealInFolder: { args: { path: string }; result: null }

  /**
   * Each stem's share of the stems' total energy (0..1, summing to 1) for the masks as they are
   * now (edits included): the export's synthesis, recomputed only where edits touched.
   */
  getEnergyShares: { args: { separationId: string }; result: number[] }
  /** Applies an edit to main's copy of the separation's masks (what playback and export use), or undo/redo. */
  editMasks: { args: { separationId: string; op: EditOp }; result: EditResult }
  /**
   * The embedding wand: the `share` (0..1) of the bins whose embeddings are most like the seed's
   * (cosine similarity). The same seed with a new share is cheap (slider). Needs the analysis: a project
   * opened without one analyses the recording first.
   */
  wandSelect: {
    args: {
      separationId: string
      seed: { frame: number; bin: number } | { selection: WireSelection }
      share: number
    }
    result: WireSelection
  }
  /** Re-clusters with the user's assigned bins as constraints; a new separation, edits replayed. */
  reclusterWithEdits: { args: { separationId: string; taskId?: string }; result: SeparationSummary }
  /** Saves the separation as a project; no path = the Save dialog (null when cancelled). */
  saveProject: {
    args: { separationId: string; path?: string; sources: ProjectSourceInfo[] }
    result: { path: string; sizeBytes: number } | null
  }
  /** The Open dialog for projects, then openProject; null when cancelled. */
  openProjectDialog: { args: NoArgs; result: OpenedProjectInfo | null }
  /** Opens a project: its recording (when found and unchanged), separation and edit history. */
  openProject: { args: { path: string }; result: OpenedProjectInfo }
  /** "Locate the audio…" for the last project that could not find it; no path = the dialog. */
  locateProjectAudio: {
    args: { projectPath: string; path?: string }
    result: OpenedProjectInfo | null
  }
  /** Saves the separation to the recovery file in the user-data folder. */
  autosaveProject: {
    args: {
      separationId: string
      sources: ProjectSourceInfo[]
      /** What the recovery prompt will say it holds. */
      note: { edits: number; lastEdit: string }
    }
    result: { path: string }
  }
  /** The recovery file left by a session that did not end normally, if any. */
  getRecovery: { args: NoArgs; result: RecoveryInfo | null }
  /** Deletes the recovery file (after a normal save or close, or when the user discards it). */
  discardRecovery: { args: NoArgs; result: null }
  /** The renderer holds unsaved edits (or no longer does): main asks it before the window closes. */
  setUnsavedEdits: { args: { unsaved: boolean }; result: null }
  /**
   * The answer to the 'close-requested' event `id`: close (the edits were saved or discarded; main drops
   * the recovery file and closes the window or quits) or keep the window (Cancel, a failed save).
   */
  confirmClose: { args: { id: number; close: boolean }; result: null }
}

/** A channel name. */
export type Channel = keyof IpcContract
/** The argument object of a channel. */
export type ArgsOf<C extends Channel> = IpcContract[C]['args']
/** The result value of a channel (inside IpcResult). */
export type ResultOf<C extends Channel> = IpcContract[C]['result']

/** Every channel, at run time (the preload and the bridge build `window.api` from it). */
export const CHANNELS = [
  'getAppInfo',
  'getModelCard',
  'openFileDialog',
  'openFile',
  'getFileInfo',
  'listRecentFiles',
  'clearRecentFiles',
  'getSpectrogram',
  'getPeaks',
  'getAudio',
  'analyse',
  'cluster',
  'getMasks',
  'getStemAudio',
  'getSelectionAudio',
  'cancelTask',
  'chooseExportFolder',
  'planExport',
  'exportStems',
  'revealInFolder',
  'getEnergyShares',
  'editMasks',
  'wandSelect',
  'reclusterWithEdits',
  'saveProject',
  'openProjectDialog',
  'openProject',
  'locateProjectAudio',
  'autosaveProject',
  'getRecovery',
  'discardRecovery',
  'setUnsavedEdits',
  'confirmClose',
] as const satisfies readonly Channel[]

// Compile-time check that CHANNELS lists every channel of the contract.
type _MissingChannels = Exclude<Channel, (typeof CHANNELS)[number]>
const _allChannelsListed: _MissingChannels extends never ? true : false = true
void _allChannelsListed

/**
 * Channels whose results carry large typed arrays. In Electron they arrive over a MessagePort
 * straight from the engine process (transferred, not copied through main); the preload hides that.
 */
export const BULK_CHANNELS = [
  'getSpectrogram',
  'getPeaks',
  'getAudio',
  'getMasks',
  'getStemAudio',
  'getSelectionAudio',
] as const satisfies readonly Channel[]

/** The ipcRenderer/ipcMain channel string of a contract channel. */
export function ipcChannelName(channel: Channel): string {
  return `unweave:${channel}`
}

/** The ipc channel main pushes `AppEvent`s on. */
export const EVENT_CHANNEL = 'unweave:event'
/**
 * What the engine process posts on the renderer's engine port (Electron, preload only): the value
 * of a bulk call, matched to it by the `bulkId` the preload sent with the call.
 */
export type BulkMessage =
  | { bulkId: string; type: 'result'; value: unknown }
  | { bulkId: string; type: 'error'; code: IpcErrorCode; message: string }

/** The ipc channel main sends the engine MessagePort on (preload only). */
export const ENGINE_PORT_CHANNEL = 'unweave:engine-port'

/** A contract method: no parameter when the channel takes none, optional when all are optional. */
type ApiMethod<C extends Channel> = [keyof ArgsOf<C>] extends [never]
  ? () => Promise<IpcResult<ResultOf<C>>>
  : Record<never, never> extends ArgsOf<C>
    ? (args?: ArgsOf<C>) => Promise<IpcResult<ResultOf<C>>>
    : (args: ArgsOf<C>) => Promise<IpcResult<ResultOf<C>>>

/** `window.api`: one method per channel, plus events and drag-and-drop paths. */
export type UnweaveApi = { [C in Channel]: ApiMethod<C> } & {
  /** Subscribes to main's events; returns the unsubscribe function. */
  onEvent(listener: (event: AppEvent) => void): () => void
  /** Absolute path of a File from a drop or an <input type=file> ('' when it has none). */
  pathForFile(file: File): string
}
