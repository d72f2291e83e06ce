/**
 * Finds the audio file named on the command line (`unweave-app song.wav`, a second instance, or
 * an OS "open with"). No Electron import here.
 */
import { extname, isAbsolute, resolve } from 'node:path'
import { LIMITS } from '../shared/ipc'

/**
 * The last argument that names an audio file, resolved against `cwd`; null when none.
 * `skip` is how many leading entries are the executable (and, unpackaged, the app folder).
 */
export function fileFromArgv(argv: readonly string[], cwd: string, skip: number): string | null {
  for (let i = argv.length - 1; i >= skip; i--) {
    const a = argv[i]!
    if (a.startsWith('-')) continue
    const ext = extname(a).slice(1).toLowerCase()
    if (!(LIMITS.audioExtensions as readonly string[]).includes(ext)) continue
    return isAbsolute(a) ? a : resolve(cwd, a)
  }
  return null
}
