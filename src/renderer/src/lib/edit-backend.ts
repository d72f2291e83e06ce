/**
 * The editing channels main offers for issue 5 (requested in .coord/requests.md, not in the
 * contract yet): feature-detected on `window.api`, so the renderer edits locally (overlay) and
 * sends each finished edit to main as soon as main has the channel. Same shapes as the engine's
 * EditCommand / Selection / TouchedRange (src/engine/edits), which main applies with the same code.
 */
import type { EditCommand, TouchedRange } from '../../../engine/edits/editable-masks'
import type { Selection } from '../../../engine/edits/selection'
import type { FileInfo, IpcResult, SeparationSummary } from '../../../shared/ipc'
import { BackendError, type Backend } from './backend'

/** What main is told to do with its copy of the edited masks. */
export type EditOp = { type: 'apply'; command: EditCommand } | { type: 'undo' } | { type: 'redo' }

/** A source's name and colour as a project keeps them. */
export interface ProjectSourceInfo {
  name: string
  colour: string
}

/** What opening a project gives (requested of the shell). */
export interface OpenedProjectInfo {
  projectPath: string
  audio: { status: 'ok' | 'missing' | 'changed'; path: string; message?: string }
  /** null unless the audio is ok. */
  file: FileInfo | null
  separation: SeparationSummary | null
  sources: ProjectSourceInfo[]
  history: { undo: EditCommand[]; redo: EditCommand[] }
}

/** The editing channels, as requested of the shell. */
export interface EditChannels {
  editMasks(args: {
    separationId: string
    op: EditOp
  }): Promise<IpcResult<{ touched: TouchedRange | null; undoDepth: number; redoDepth: number }>>
  wandSelect(args: {
    separationId: string
    seed: { frame: number; bin: number } | { selection: Selection }
    threshold: number
  }): Promise<IpcResult<Selection>>
  reclusterWithEdits(args: {
    separationId: string
    taskId?: string
  }): Promise<IpcResult<SeparationSummary>>
  saveProject(args: {
    separationId: string
    path?: string
    sources: ProjectSourceInfo[]
  }): Promise<IpcResult<{ path: string; sizeBytes: number } | null>>
  openProjectDialog(args?: Record<never, never>): Promise<IpcResult<OpenedProjectInfo | null>>
  openProject(args: { path: string }): Promise<IpcResult<OpenedProjectInfo>>
  locateProjectAudio(args: {
    projectPath: string
    path?: string
  }): Promise<IpcResult<OpenedProjectInfo | null>>
  autosaveProject(args: {
    separationId: string
    sources: ProjectSourceInfo[]
  }): Promise<IpcResult<{ path: string }>>
  getRecovery(
    args?: Record<never, never>,
  ): Promise<IpcResult<{ path: string; audioName: string; savedAt: string } | null>>
  discardRecovery(args?: Record<never, never>): Promise<IpcResult<null>>
}

/** Calls an editing channel if main has it; undefined when it does not (local-only editing). */
export async function callEdit<C extends keyof EditChannels>(
  backend: Backend,
  channel: C,
  args: Parameters<EditChannels[C]>[0],
): Promise<
  Awaited<ReturnType<EditChannels[C]>> extends IpcResult<infer T> ? T | undefined : never
> {
  const fn = (backend.api as unknown as Partial<EditChannels>)[channel] as
    ((a: unknown) => Promise<IpcResult<unknown>>) | undefined
  if (typeof fn !== 'function') return undefined as never
  const start = performance.now()
  const result = await fn.call(backend.api, args)
  performance.measure?.(`ipc:${channel}`, { start, end: performance.now() })
  if (result.type === 'error') throw new BackendError(result.code, result.message)
  return result.value as never
}

/** True when main offers an editing channel. */
export function hasEditChannel(backend: Backend, channel: keyof EditChannels): boolean {
  return typeof (backend.api as unknown as Record<string, unknown>)[channel] === 'function'
}
