/**
 * Error classes the services, the CLI and the app share. The user-facing ones carry the process
 * exit code the CLI uses for them and a message that says what was wrong and what to do about it;
 * CodedError carries an IPC code across the app's processes.
 */
import type { IpcErrorCode } from './ipc'

/** Base of Unweave's user-facing errors: `message` is shown as is, `exitCode` is the CLI's. */
export abstract class UnweaveError extends Error {
  /** Exit status of the `unweave` command for this kind of error. */
  abstract readonly exitCode: number
  /** Short machine-readable kind, e.g. 'input'. */
  abstract readonly kind: 'usage' | 'input' | 'model' | 'output'
}

/** A concrete UnweaveError class of one kind, with its exit code and name. */
function errorOf<K extends UnweaveError['kind']>(kind: K, exitCode: number, name: string) {
  return class extends UnweaveError {
    readonly exitCode = exitCode
    readonly kind = kind
    override readonly name = name
  }
}

/** The command line was wrong (unknown option, missing argument, bad value). Exit code 2. */
export class UsageError extends errorOf('usage', 2, 'UsageError') {}

/** The input audio cannot be read or is invalid (missing, empty, corrupt, unsupported). Exit code 3. */
export class InputError extends errorOf('input', 3, 'InputError') {}

/** The model is missing, invalid, or does not match its metadata, or the runtime cannot load it. Exit code 4. */
export class ModelError extends errorOf('model', 4, 'ModelError') {}

/** An output exists already (and overwriting was not asked for) or cannot be written. Exit code 5. */
export class OutputError extends errorOf('output', 5, 'OutputError') {}

/** True when `e` is one of Unweave's user-facing errors. */
export function isUnweaveError(e: unknown): e is UnweaveError {
  return e instanceof UnweaveError
}

/**
 * An error with an IPC code, as the engine process, main and the renderer pass it on: thrown
 * where it happens, it travels between processes as the data `{ code, message }`.
 */
export class CodedError extends Error {
  constructor(
    readonly code: IpcErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'CodedError'
  }
}
