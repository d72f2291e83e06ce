/** Writing projects: the container's bytes, and saving them atomically. */
import { dirname, resolve } from 'node:path'
import { strToU8 } from 'fflate'
import { encodeHistory, encodeMasks, maskGrid, type SourceMasks } from '../../engine/index'
import { writeError } from '../audio-encode'
import { writeFileAtomic } from '../atomic-file'
import { pack, type PackedEntry } from './entries'
import { PROJECT_FORMAT, PROJECT_VERSION, type ProjectData } from './project-data'
import { writeZip, type ZipEntry } from './zip'

/** Options of saveProject(). */
export interface SaveOptions {
  /** Deflate level of the mask data, 0-9 (default 1: fast). */
  level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9
  /** Deflate level of the history's selection weights, 0-9 (default 1). */
  historyLevel?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9
}

/**
 * Encoded + compressed automatic masks, cached per masks object and level: the automatic masks do
 * not change while the user edits, so an autosave only encodes the history again.
 */
const maskCache = new WeakMap<
  SourceMasks,
  Map<number, Promise<{ encoding: string; entry: PackedEntry }>>
>()

function packedMasks(
  m: SourceMasks,
  level: number,
): Promise<{ encoding: string; entry: PackedEntry }> {
  let per = maskCache.get(m)
  if (!per) maskCache.set(m, (per = new Map()))
  let hit = per.get(level)
  if (!hit) {
    const enc = encodeMasks(m)
    hit = pack(enc.data, level, true).then((entry) => ({ encoding: enc.encoding, entry }))
    hit.catch(() => per!.delete(level))
    per.set(level, hit)
  }
  return hit
}

/** The container bytes of a project (what saveProject writes). */
export async function encodeProject(
  project: ProjectData,
  projectPath?: string,
  opts: SaveOptions = {},
): Promise<Uint8Array> {
  const m = project.automatic
  if (project.sources.length !== m.k)
    throw new RangeError(`project: ${project.sources.length} sources for masks of k = ${m.k}`)
  const hist = encodeHistory(project.history.undo, project.history.redo)
  const c = project.clustering?.centroids
  // Masks and history compress in parallel (zlib's thread pool).
  const [masks, history, centroids] = await Promise.all([
    packedMasks(m, opts.level ?? 1),
    pack(hist.bytes, opts.historyLevel ?? 1),
    c ? pack(new Uint8Array(c.buffer.slice(c.byteOffset, c.byteOffset + c.byteLength)), 0) : null,
  ])
  const now = new Date().toISOString()
  const entries: Record<string, PackedEntry['record']> = {
    'masks.bin': masks.entry.record,
    'history.bin': history.record,
  }
  if (centroids) entries['centroids.bin'] = centroids.record
  const audioRel = projectPath
    ? relativeTo(dirname(resolve(projectPath)), project.audio.path)
    : undefined
  const manifest = {
    format: PROJECT_FORMAT,
    version: PROJECT_VERSION,
    createdAt: project.createdAt ?? now,
    savedAt: now,
    audio: { ...project.audio, relativePath: audioRel },
    model: project.model,
    settings: project.settings,
    sources: project.sources,
    grid: maskGrid(m),
    masks: { entry: 'masks.bin', encoding: masks.encoding },
    clustering: project.clustering
      ? { entry: 'centroids.bin', dim: project.clustering.dim, encoding: 'float32le' }
      : undefined,
    history: { entry: 'history.bin', undo: hist.undo, redo: hist.redo },
    entries,
  }
  // manifest.json first, so a reader can look at it without touching the rest. The binary entries
  // are stored: their payloads are compressed already (raw deflate, see the manifest).
  const files: ZipEntry[] = [
    { name: 'manifest.json', data: strToU8(JSON.stringify(manifest)), deflate: true },
    { name: 'masks.bin', data: masks.entry.stored },
    { name: 'history.bin', data: history.stored },
  ]
  if (centroids) files.push({ name: 'centroids.bin', data: centroids.stored })
  return writeZip(files)
}

function relativeTo(dir: string, target: string): string | undefined {
  // POSIX-style relative path when the audio sits under the project's folder (portable folders).
  const d = resolve(dir)
  const t = resolve(target)
  if (t.startsWith(d + '/') || t.startsWith(d + '\\'))
    return t.slice(d.length + 1).replaceAll('\\', '/')
  return undefined
}

/**
 * Saves a project atomically (temp file + fsync + rename; the old file stays intact if anything
 * fails). Also the shell's autosave: save to a recovery path, open it after a crash. Returns the
 * size in bytes. Throws OutputError when the folder is not writable.
 */
export async function saveProject(
  path: string,
  project: ProjectData,
  opts: SaveOptions = {},
): Promise<{ path: string; bytes: number }> {
  const target = resolve(path)
  const bytes = await encodeProject(project, target, opts)
  try {
    await writeFileAtomic(target, bytes)
  } catch (e) {
    throw writeError(e, target)
  }
  return { path: target, bytes: bytes.length }
}
