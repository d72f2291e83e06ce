/**
 * Inputs must be regular files: a FIFO, a device or a socket would block a read for ever (or
 * never end), so every reader refuses them from stat() before it opens anything.
 */
import { constants as fsc, type Stats } from 'node:fs'
import { stat } from 'node:fs/promises'
import { InputError } from '../shared/errors'

/** Flags to open an input for reading without blocking on a FIFO that appeared after the check. */
export const INPUT_OPEN_FLAGS = fsc.O_RDONLY | (fsc.O_NONBLOCK ?? 0)

/** What a non-regular file is, in the user's words (undefined for a regular file). */
function kindOf(st: Stats): string | undefined {
  if (st.isFile()) return undefined
  if (st.isDirectory()) return 'a folder'
  if (st.isFIFO()) return 'a named pipe (FIFO)'
  if (st.isSocket()) return 'a socket'
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device'
  return 'not a regular file'
}

/** Throws InputError unless `st` describes a regular file; `what` names the expected content. */
export function requireRegularFile(st: Stats, path: string, what: string): void {
  const kind = kindOf(st)
  if (kind)
    throw new InputError(
      `${path} is ${kind}, not ${what}. Choose a regular file (save a stream to a file first).`,
    )
}

/**
 * stat()s `path` and checks that it is a regular file; InputError for a missing or unreadable path
 * too. Returns the Stats.
 */
export async function statInputFile(path: string, what: string): Promise<Stats> {
  let st: Stats
  try {
    st = await stat(path)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException)?.code
    throw new InputError(
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `${path} does not exist. Check the path.`
        : code === 'EACCES' || code === 'EPERM'
          ? `${path} cannot be read (permission denied). Check its permissions.`
          : `${path} cannot be read: ${(e as Error)?.message ?? e}`,
      { cause: e },
    )
  }
  requireRegularFile(st, path, what)
  return st
}
