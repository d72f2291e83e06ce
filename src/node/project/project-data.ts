/**
 * A project in memory: the recording it belongs to (path, size, sha256), the engine settings, the
 * sources' names and colours, the automatic masks on the canonical grid and the edit history.
 */
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import {
  canonicalMasks,
  EditableMasks,
  type EditCommand,
  type MaskMode,
  type SourceMasks,
} from '../../engine/index'
import { sourceColour } from '../../shared/colours'
import { InputError } from '../../shared/errors'
import { sha256File } from './hash'

/** The `format` field of every project manifest. */
export const PROJECT_FORMAT = 'unweave-project'
/** The newest format version this code writes and reads. */
export const PROJECT_VERSION = 1
/** The file name extension of projects. */
export const PROJECT_EXTENSION = '.unweave'

/** The recording a project belongs to. */
export interface ProjectAudio {
  /** Absolute path when saved (stored relative to the project file too, see the format doc). */
  path: string
  /** sha256 of the file's bytes, lowercase hex. */
  sha256: string
  /** File size in bytes. */
  size: number
  sampleRate?: number
  channels?: number
  durationSec?: number
}

/** Engine settings the masks were made with. */
export interface ProjectSettings {
  mask: MaskMode
  /** Soft-mask sharpness, if not the engine's default. */
  beta?: number
  /** 'auto' or the number asked for (the masks' k is the number of sources). */
  requestedSources?: number | 'auto'
  /**
   * Weight of the stereo cue the analysis had (src/engine/stereo.ts); absent or 0: none. The
   * centroids have its extra coordinate, so re-clustering re-analyses with the same weight.
   */
  stereoCue?: number
  /** Anything else the app wants to keep (JSON). */
  [key: string]: unknown
}

/** One source as the user named and coloured it. */
export interface ProjectSource {
  name: string
  /** CSS colour, e.g. '#e0a030'. */
  colour: string
}

/** Everything a project holds, in memory. */
export interface ProjectData {
  audio: ProjectAudio
  model: { name: string; version: string }
  settings: ProjectSettings
  /** One per source (length = automatic.k). */
  sources: ProjectSource[]
  /** The automatic masks on the canonical 12-bit grid (see canonicalMasks). */
  automatic: SourceMasks
  /** The clustering's centroids (float32 [k * dim]), if kept. */
  clustering?: { dim: number; centroids: Float32Array }
  /** Edit history: undo stack oldest first, redo stack with the next redo last. */
  history: { undo: EditCommand[]; redo: EditCommand[] }
  /** ISO time of the first save (kept across saves). */
  createdAt?: string
  /** ISO time of the last save. */
  savedAt?: string
}

/** Whether a project's recording is where it says and unchanged. */
export type AudioCheck =
  | { status: 'ok'; path: string }
  | { status: 'missing'; path: string; message: string }
  | {
      status: 'changed'
      path: string
      expectedSha256: string
      actualSha256: string
      message: string
    }

/** Result of openProject(). */
export interface OpenedProject {
  project: ProjectData
  /** The audio check ('ok' / 'missing' / 'changed'); the app offers "locate the file" unless ok. */
  audio: AudioCheck
  /** The format version the file was written in. */
  version: number
  /** The editor (history replayed), when asked for with `editor: true`. */
  editor?: EditableMasks
}

/**
 * A new project for a recording and its automatic masks (made canonical here): hashes the audio
 * file; sources default to "Source N" with the default colours; empty history unless given.
 */
export async function createProject(init: {
  audioPath: string
  audioInfo?: Pick<ProjectAudio, 'sampleRate' | 'channels' | 'durationSec'>
  model: { name: string; version: string }
  settings: ProjectSettings
  masks: SourceMasks
  /** The masks are on the canonical grid already (an editor's automatic masks): not redone. */
  canonical?: boolean
  sources?: ProjectSource[]
  clustering?: { dim: number; centroids: Float32Array }
  history?: { undo: EditCommand[]; redo: EditCommand[] }
}): Promise<ProjectData> {
  const path = resolve(init.audioPath)
  let size: number
  let sha256: string
  try {
    size = (await stat(path)).size
    sha256 = await sha256File(path)
  } catch (e) {
    throw new InputError(`${path} cannot be read: ${(e as Error).message}`, { cause: e })
  }
  const k = init.masks.k
  return {
    audio: { path, sha256, size, ...init.audioInfo },
    model: { name: init.model.name, version: init.model.version },
    settings: init.settings,
    sources:
      init.sources ??
      Array.from({ length: k }, (_, i) => ({
        name: `Source ${i + 1}`,
        colour: sourceColour(i),
      })),
    automatic: init.canonical ? init.masks : canonicalMasks(init.masks),
    clustering: init.clustering,
    history: init.history ?? { undo: [], redo: [] },
  }
}

/** The project with an editor's automatic masks and history (what to save after editing). */
export function withEditorState(project: ProjectData, editor: EditableMasks): ProjectData {
  return {
    ...project,
    automatic: editor.automatic,
    history: { undo: editor.undoStack, redo: editor.redoStack },
  }
}

/** An editor for the project: its automatic masks with the undo stack replayed, the redo stack kept. */
export function projectEditor(project: ProjectData): EditableMasks {
  return EditableMasks.fromHistory(project.automatic, project.history.undo, project.history.redo, {
    canonical: true,
  })
}
