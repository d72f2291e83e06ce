/**
 * Projects in the engine process: saving a separation with its edits as a `.unweave` file, and
 * opening one (its recording, its masks and its history), or locating its moved recording.
 */
import { basename } from 'node:path'
import { meanOfMasks, type Clustering, type EditableMasks } from '../engine/index'
import {
  createProject,
  gridMisfit,
  openProject,
  projectEditor,
  relocateAudio,
  saveProject,
  withEditorState,
  type AudioCheck,
  type ProjectData,
} from '../node/index'
import { CodedError, InputError } from '../shared/errors'
import type { HostOps } from '../shared/engine-protocol'
import type { SourceCountSuggestion } from '../shared/ipc'
import { sourceColour } from '../shared/colours'
import type { FileViews } from './file-views'
import { hostSeparation, type HostContext, type Progress, type Separation } from './host-context'

/** Saving and opening projects. */
export class Projects {
  constructor(
    readonly ctx: HostContext,
    readonly files: FileViews,
  ) {}

  /** The `saveProject` request: the separation, its edits and the sources' names and colours. */
  async save({
    separationId,
    path,
    sources,
  }: HostOps['saveProject']['args']): Promise<HostOps['saveProject']['result']> {
    const s = this.ctx.separationById(separationId)
    const f = this.ctx.fileById(s.fileId)
    if (!s.project) {
      const { metadata } = await this.ctx.model.model()
      s.project = await createProject({
        audioPath: f.path,
        audioInfo: {
          sampleRate: f.audio.sampleRate,
          channels: f.audio.channels.length,
          durationSec: f.audio.durationSec,
        },
        model: { name: metadata.name, version: metadata.version },
        settings: {
          mask: s.mode,
          requestedSources: s.requestedSources,
          ...(s.stereoCue > 0 ? { stereoCue: s.stereoCue } : {}),
          // what the source-count suggestion said, shown again when the project is reopened
          suggestion: s.suggestion,
        },
        // an editor's automatic masks are canonical already (a full pass less on the first save)
        masks: s.editor?.automatic ?? s.masks,
        canonical: !!s.editor,
        clustering: { dim: s.clustering.dim, centroids: s.clustering.centroids },
      })
    }
    const k = s.masks.k
    const named = Array.from(
      { length: k },
      (_, i) => sources[i] ?? { name: `Source ${i + 1}`, colour: sourceColour(i) },
    )
    const base: ProjectData = { ...s.project, sources: named }
    const project = s.editor ? withEditorState(base, s.editor) : base
    return saveProject(path, project)
  }

  /** The `openProject` request. */
  async open(
    { path, fileId, separationId }: HostOps['openProject']['args'],
    progress: Progress,
  ): Promise<HostOps['openProject']['result']> {
    progress('project', 0)
    const opened = await openProject(path, { editor: true })
    return this.#opened(
      path,
      opened.project,
      opened.audio,
      fileId,
      separationId,
      progress,
      opened.editor,
    )
  }

  /** The `locateProject` request: the recording of the project being opened is at `path`. */
  async locate(
    { projectPath, path, fileId, separationId }: HostOps['locateProject']['args'],
    progress: Progress,
  ): Promise<HostOps['locateProject']['result']> {
    const pending = this.ctx.pendingProject
    if (!pending || pending.path !== projectPath) {
      throw new CodedError('stale', 'Open the project again, then locate its recording.')
    }
    const { project, audio } = await relocateAudio(pending.project, path)
    return this.#opened(projectPath, project, audio, fileId, separationId, progress)
  }

  /** Opens the project's recording (when its check is ok) and its separation with the history. */
  async #opened(
    projectPath: string,
    project: ProjectData,
    audio: AudioCheck,
    fileId: string,
    separationId: string,
    progress: Progress,
    built?: EditableMasks,
  ): Promise<HostOps['openProject']['result']> {
    const sources = project.sources.map((x) => ({ name: x.name, colour: x.colour }))
    const check = {
      status: audio.status,
      path: audio.path,
      ...(audio.status !== 'ok' ? { message: audio.message } : {}),
    }
    if (audio.status !== 'ok') {
      // The open file stays as it is until the user locates the recording.
      this.ctx.pendingProject = { path: projectPath, project }
      return {
        projectPath,
        audio: check,
        file: null,
        separation: null,
        sources,
        history: { undo: [], redo: [] },
      }
    }
    this.ctx.pendingProject = undefined
    const masks = project.automatic
    // The masks must be of this recording and of the model's grid (when it is the same model).
    const model = await this.ctx.model.model().then(
      ({ metadata }) => (metadata.name === project.model.name ? metadata : undefined),
      () => undefined,
    )
    const stft = model && {
      sampleRate: model.sampleRate,
      nFft: model.stft.nFft,
      hop: model.stft.hop,
    }
    const file = await this.files.open({ fileId, path: audio.path }, progress, (decoded) => {
      const misfit = gridMisfit(
        masks,
        { length: decoded.channels[0]?.length ?? 0, sampleRate: decoded.sampleRate },
        stft,
      )
      if (misfit)
        throw new InputError(
          `${basename(projectPath)} does not fit its recording: ${misfit}. The project is damaged or belongs to another file.`,
        )
    })
    const editor = built ?? projectEditor(project)
    // from the packed planes: a project's automatic masks are not made float for this
    const shares = meanOfMasks(masks)
    const clustering: Clustering = {
      k: masks.k,
      dim: project.clustering?.dim ?? 0,
      centroids: project.clustering?.centroids ?? new Float32Array(0),
      assignment: new Uint8Array(0),
      weightShares: shares,
      inertia: 0,
    }
    const sep: Separation = {
      id: separationId,
      fileId,
      clustering,
      masks,
      entry: { clustering, masks, timingsSec: { kmeans: 0, masks: 0 } },
      mode: project.settings.mask,
      requestedSources: project.settings.requestedSources ?? masks.k,
      stereoCue: project.settings.stereoCue ?? 0,
      suggestion: savedSuggestion(project.settings.suggestion) ?? {
        count: masks.k,
        confidence: 0,
        scores: [],
      },
      editor,
      project,
    }
    this.ctx.addSeparation(sep)
    return {
      projectPath,
      audio: check,
      file,
      separation: hostSeparation(sep, {}),
      sources,
      history: { undo: editor.undoStack, redo: editor.redoStack },
    }
  }
}

/** The suggestion a project was saved with, if it is one (projects before issue 16 have none). */
function savedSuggestion(x: unknown): SourceCountSuggestion | undefined {
  const v = x as Partial<SourceCountSuggestion> | null | undefined
  const num = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n)
  if (
    !v ||
    !Number.isInteger(v.count) ||
    v.count! < 1 ||
    v.count! > 8 ||
    !num(v.confidence) ||
    v.confidence < 0 ||
    v.confidence > 1 ||
    !Array.isArray(v.scores) ||
    v.scores.length > 8 ||
    !v.scores.every(num)
  )
    return undefined
  return { count: v.count!, confidence: v.confidence, scores: [...v.scores] }
}
