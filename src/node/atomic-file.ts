/**
 * Atomic file replacement (temp file in the target's folder, fsync, rename), for projects, the
 * recent-files list and recovery notes alike: a crash leaves the old file or the new one, never
 * half of one. Works for bytes as well as text.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/**
 * Writes `data` to `path` atomically; creates the folder if needed. `mode`: the new file's
 * permissions (default 0o644; 0o600 for the user's private lists). Errors are Node's (caller maps them).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  { mode = 0o644 }: { mode?: number } = {},
): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const fh = await open(tmp, 'wx', mode)
  try {
    try {
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
  } catch (e) {
    await unlink(tmp).catch(() => undefined)
    throw e
  }
}
