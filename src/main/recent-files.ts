/**
 * The recent-files list: JSON in the user-data folder, written atomically (temp file in the same
 * folder, fsync, rename), newest first, at most LIMITS.recentFiles entries. No Electron import.
 */
import { readFile, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { writeFileAtomic } from '../node/index'
import { type RecentFile, LIMITS } from '../shared/ipc'

interface Stored {
  version: 1
  files: { path: string; openedAt: string }[]
}

/** The recent-files list stored at `file`. */
export class RecentFiles {
  readonly #file: string
  readonly #max: number
  #queue: Promise<unknown> = Promise.resolve()

  constructor(file: string, max: number = LIMITS.recentFiles) {
    this.#file = file
    this.#max = max
  }

  /** Entries newest first, each marked whether the file still exists. */
  list(): Promise<RecentFile[]> {
    return this.#serial(async () => this.#withExists(await this.#read()))
  }

  /** Puts `path` first (removing an older entry for it); returns the new list. */
  add(path: string, now = new Date()): Promise<RecentFile[]> {
    return this.#serial(async () => {
      const files = (await this.#read()).filter((f) => f.path !== path)
      files.unshift({ path, openedAt: now.toISOString() })
      files.length = Math.min(files.length, this.#max)
      await this.#write(files)
      return this.#withExists(files)
    })
  }

  /** Empties the list. */
  clear(): Promise<RecentFile[]> {
    return this.#serial(async () => {
      await this.#write([])
      return []
    })
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#queue.then(fn, fn)
    this.#queue = p.catch(() => undefined)
    return p
  }

  async #read(): Promise<Stored['files']> {
    let text: string
    try {
      text = await readFile(this.#file, 'utf8')
    } catch {
      return []
    }
    try {
      const data = JSON.parse(text) as Partial<Stored>
      if (!Array.isArray(data.files)) return []
      return data.files
        .filter(
          (f): f is Stored['files'][number] =>
            !!f && typeof f.path === 'string' && typeof f.openedAt === 'string',
        )
        .slice(0, this.#max)
    } catch {
      return [] // a corrupt list is not worth an error: start afresh
    }
  }

  async #write(files: Stored['files']): Promise<void> {
    const data: Stored = { version: 1, files }
    await writeFileAtomic(this.#file, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 })
  }

  async #withExists(files: Stored['files']): Promise<RecentFile[]> {
    return Promise.all(
      files.map(async (f) => ({
        path: f.path,
        name: basename(f.path),
        openedAt: f.openedAt,
        exists: await stat(f.path).then(
          (s) => s.isFile(),
          () => false,
        ),
      })),
    )
  }
}
