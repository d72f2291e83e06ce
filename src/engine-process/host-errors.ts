/** Errors of the engine process as data: each thrown value becomes an IPC code and a message. */
import { CodedError, isUnweaveError } from '../shared/errors'
import type { IpcErrorCode } from '../shared/ipc'

/** An error as data: its IPC code and a message fit for the window. */
export function toErrorData(
  e: unknown,
  signal?: AbortSignal,
): { code: IpcErrorCode; message: string } {
  if (signal?.aborted || (e instanceof Error && e.name === 'AbortError')) {
    return { code: 'cancelled', message: 'Cancelled.' }
  }
  if (e instanceof CodedError) return { code: e.code, message: e.message }
  if (isUnweaveError(e)) {
    const code: IpcErrorCode =
      e.kind === 'input'
        ? 'input'
        : e.kind === 'model'
          ? 'model'
          : e.kind === 'output'
            ? 'output'
            : 'invalid-argument'
    return { code, message: e.message }
  }
  if (e instanceof Error && e.name === 'ModelContractError')
    return { code: 'model', message: e.message }
  const message = e instanceof Error ? e.message : String(e)
  return { code: 'internal', message: `The engine failed: ${message}` }
}
