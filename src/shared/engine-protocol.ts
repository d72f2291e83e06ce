/**
 * Messages between main (EngineClient) and the engine host (the Electron utility process, or a
 * forked Node process in the test bridge). A tagged union: every
 * request carries an `id`; the host answers with any number of 'progress' messages and exactly
 * one 'result' or 'error' for that id. Errors travel as data, never as thrown objects.
 */
import type {
  AnalysisSummary,
  FileInfo,
  OpenedProjectInfo,
  AudioPage,
  BulkMessage,
  EditOp,
  EditResult,
  ProjectSourceInfo,
  WireSelection,
  EngineStatus,
  ModelCard,
  IpcErrorCode,
  MaskGrid,
  MaskMode,
  MaskPage,
  SourceCountSuggestion,
  SpectrogramPage,
  StemAudio,
  WaveformPeaks,
} from './ipc'

/** A frame or sample range [from, to), already clamped by main. */
export interface HostRange {
  from: number
  to: number
}

/** What the host returns after opening a file: the FileInfo main passes on, less what main adds. */
export type HostFileInfo = Omit<FileInfo, 'fileId' | 'path' | 'name'>

/** What the host returns after analysing a file: the summary main passes on, less the file id. */
export type HostAnalysis = Omit<AnalysisSummary, 'fileId'>

/** What the host returns after clustering. */
export interface HostSeparation {
  sourceCount: number
  auto: boolean
  suggestion: SourceCountSuggestion
  mask: MaskMode
  grid: MaskGrid
  energyShares: number[]
  /** Weight of the stereo cue in the analysis the masks came from (0: none). */
  stereoCue: number
  timingsSec: Record<string, number>
}

/** What the host returns after opening a project. */
export type HostOpenedProject = Omit<OpenedProjectInfo, 'file' | 'separation'> & {
  /** Set when the recording was opened (audio ok). */
  file: HostFileInfo | null
  separation: HostSeparation | null
}

/** A stem file the host writes. */
export interface HostExportTarget {
  index: number
  path: string
}

/** Every operation: op -> { args, result }. */
export interface HostOps {
  /** Decodes the file, computes the display spectrogram; drops any previously open file. */
  open: { args: { fileId: string; path: string }; result: HostFileInfo }
  spectrogram: { args: { fileId: string; range: HostRange }; result: SpectrogramPage }
  peaks: { args: { fileId: string; peaksPerSecond: number }; result: WaveformPeaks }
  audio: { args: { fileId: string; range: HostRange }; result: AudioPage }
  analyse: { args: { fileId: string; stereoCue?: boolean }; result: HostAnalysis }
  cluster: {
    args: {
      fileId: string
      separationId: string
      sourceCount: number | 'auto'
      mask: MaskMode
      /** Ask for the stereo cue (used when the file has two channels). */
      stereoCue?: boolean
    }
    result: HostSeparation
  }
  masks: { args: { separationId: string; range: HostRange }; result: MaskPage }
  stems: {
    args: { separationId: string; sources: number[]; range: HostRange }
    result: StemAudio
  }
  selectionAudio: {
    args: { separationId: string; selection: WireSelection; part: 'selection' | 'rest' }
    result: StemAudio
  }
  export: {
    args: {
      separationId: string
      targets: HostExportTarget[]
      format: 'wav' | 'flac'
      bits: 16 | 24 | '32f'
      force: boolean
    }
    result: { timingsSec: Record<string, number> }
  }
  status: { args: Record<never, never>; result: EngineStatus }
  modelCard: { args: Record<never, never>; result: ModelCard }
  edit: { args: { separationId: string; op: EditOp }; result: EditResult }
  /** Each stem's share of the stems' energy: the export's synthesis, per block, cached. */
  energyShares: { args: { separationId: string }; result: number[] }
  wand: {
    args: {
      separationId: string
      seed: { frame: number; bin: number } | { selection: WireSelection }
      share: number
    }
    result: WireSelection
  }
  recluster: { args: { separationId: string; newSeparationId: string }; result: HostSeparation }
  saveProject: {
    args: { separationId: string; path: string; sources: ProjectSourceInfo[] }
    result: { path: string; bytes: number }
  }
  /** Opens a project; with its audio ok, also the recording (dropping the open file). */
  openProject: {
    args: { path: string; fileId: string; separationId: string }
    result: HostOpenedProject
  }
  /** Points the last project that missed its audio at `path`, then opens as openProject. */
  locateProject: {
    args: { projectPath: string; path: string; fileId: string; separationId: string }
    result: HostOpenedProject
  }
}

/** An operation name. */
export type HostOp = keyof HostOps

/** main -> host. */
export type ToHost =
  | {
      [O in HostOp]: {
        type: 'request'
        id: number
        op: O
        args: HostOps[O]['args']
        /** Deliver the result over the renderer port under this id (Electron bulk channels). */
        bulkId?: string
      }
    }[HostOp]
  | { type: 'cancel'; id: number }
  /** Electron: the port to the renderer arrives with this message (ports[0]). */
  | { type: 'renderer-port' }

/** host -> main. */
export type FromHost =
  | { type: 'progress'; id: number; stage: string; fraction: number }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; code: IpcErrorCode; message: string }
  /** Sent once the host has started (and whenever the model state changes). */
  | { type: 'status'; status: EngineStatus }

export type { BulkMessage }

/** Startup configuration main gives the host (as JSON in the UNWEAVE_ENGINE_CONFIG env var). */
export interface HostConfig {
  /** Model metadata JSON path (its .onnx beside it); undefined = the default model. */
  modelPath?: string
  device: 'auto' | 'cpu' | 'cuda' | 'directml' | 'coreml'
  /** The bundled cluster worker (cluster-worker.ts); absent = clustering in the host's thread. */
  clusterWorker?: string
}

/** The env var the host reads its HostConfig from. */
export const HOST_CONFIG_ENV = 'UNWEAVE_ENGINE_CONFIG'
