/**
 * The editing and project channels of the contract (src/shared/ipc.ts, issue 5), feature-detected
 * on `window.api`: where main lacks them (an older main, a test's fake api) the renderer edits
 * locally (overlay only) and the project controls disable themselves. Main applies the same
 * engine code (src/engine/edits) to the commands the renderer sends.
 */
import type { Channel, ResultOf } from '../../../shared/ipc'
import type { Backend, CallArgs } from './backend'

export type {
  EditOp,
  OpenedProjectInfo,
  ProjectSourceInfo,
  RecoveryInfo,
} from '../../../shared/ipc'

/** The channels of issue 5, and the close handshake of issue 16. */
export type EditChannel = Extract<
  Channel,
  | 'editMasks'
  | 'wandSelect'
  | 'reclusterWithEdits'
  | 'saveProject'
  | 'openProjectDialog'
  | 'openProject'
  | 'locateProjectAudio'
  | 'autosaveProject'
  | 'getRecovery'
  | 'discardRecovery'
  | 'getEnergyShares'
  | 'getModelCard'
  | 'setUnsavedEdits'
  | 'confirmClose'
>

/** True when main offers the channel. */
export function hasEditChannel(backend: Backend, channel: EditChannel): boolean {
  return typeof (backend.api as unknown as Record<string, unknown>)[channel] === 'function'
}

/** Calls the channel if main has it (throws main's message like Backend.call); undefined if not. */
export async function callEdit<C extends EditChannel>(
  backend: Backend,
  channel: C,
  ...args: CallArgs<C>
): Promise<ResultOf<C> | undefined> {
  if (!hasEditChannel(backend, channel)) return undefined
  return backend.call(channel, ...args)
}
