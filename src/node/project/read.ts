/** Reading projects: the container checked and decoded, the recording checked against its hash. */
import { readFile, stat } from 'node:fs/promises'
import { basename, dirname, isAbsolute, resolve } from 'node:path'
import { strFromU8 } from 'fflate'
import { decodeHistory, decodeMasks, type EditCommand, type SourceMasks } from '../../engine/index'
import { InputError } from '../../shared/errors'
import { unpack } from './entries'
import { sha256, sha256File } from './hash'
import {
  PROJECT_FORMAT,
  PROJECT_VERSION,
  projectEditor,
  type AudioCheck,
  type OpenedProject,
  type ProjectAudio,
  type ProjectData,
  type ProjectSource,
} from './project-data'
import { readZip } from './zip'

const corrupt = (path: string, what: string, cause?: unknown): InputError =>
  new InputError(
    `${basename(path)} is not a valid Unweave project: ${what}. The file is damaged or not a project; open another copy or a recovery file.`,
    { cause },
  )

/** Parses and validates the container bytes of a project (no audio check). */
export async function decodeProject(
  bytes: Uint8Array,
  path = 'project.unweave',
): Promise<{ project: ProjectData; version: number }> {
  if (bytes.length === 0) throw corrupt(path, 'the file is empty')
  let files: Record<string, Uint8Array>
  try {
    files = readZip(bytes)
  } catch (e) {
    throw corrupt(path, `its container cannot be read (${(e as Error).message})`, e)
  }
  const mf = files['manifest.json']
  if (!mf) throw corrupt(path, 'it has no manifest.json')
  let man: any // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    man = JSON.parse(strFromU8(mf))
  } catch (e) {
    throw corrupt(path, 'its manifest is not valid JSON', e)
  }
  if (!man || typeof man !== 'object' || man.format !== PROJECT_FORMAT)
    throw corrupt(path, `its manifest does not say format '${PROJECT_FORMAT}'`)
  if (!Number.isInteger(man.version) || man.version < 1)
    throw corrupt(path, `its format version ${JSON.stringify(man.version)} is not a version number`)
  if (man.version > PROJECT_VERSION)
    throw new InputError(
      `${basename(path)} was saved by a newer Unweave (project format ${man.version}); this version reads format ${PROJECT_VERSION} and older. Update Unweave to open it.`,
    )
  /** A binary entry: checksum of the stored bytes, then inflated if compressed, length checked. */
  const entry = async (name: unknown): Promise<Uint8Array> => {
    if (typeof name !== 'string' || !files[name])
      throw corrupt(path, `the entry ${String(name)} is missing`)
    const want = man.entries?.[name]
    if (!want || typeof want.sha256 !== 'string')
      throw corrupt(path, `the entry ${name} has no checksum`)
    if (sha256(files[name]) !== want.sha256)
      throw corrupt(path, `the entry ${name} fails its checksum`)
    let raw = files[name]
    if (want.compression === 'deflate-raw') {
      try {
        raw = await unpack(raw, want)
      } catch (e) {
        throw corrupt(path, `the entry ${name} cannot be decompressed`, e)
      }
    } else if (want.compression !== undefined && want.compression !== 'none')
      throw corrupt(path, `the entry ${name} uses an unknown compression '${want.compression}'`)
    if (typeof want.rawBytes === 'number' && raw.length !== want.rawBytes)
      throw corrupt(path, `the entry ${name} has ${raw.length} bytes, not ${want.rawBytes}`)
    return raw
  }
  const g = man.grid
  const posInt = (x: unknown): boolean => Number.isInteger(x) && (x as number) > 0
  if (!g || ![g.k, g.sampleRate, g.nFft, g.hop, g.frames, g.bins].every(posInt) || g.k > 255)
    throw corrupt(path, 'its mask grid is missing or invalid')
  const a = man.audio
  if (
    !a ||
    typeof a.path !== 'string' ||
    typeof a.sha256 !== 'string' ||
    !/^[0-9a-f]{64}$/.test(a.sha256)
  )
    throw corrupt(path, 'its audio reference (path and sha256) is missing or invalid')
  if (!man.model || typeof man.model.name !== 'string' || typeof man.model.version !== 'string')
    throw corrupt(path, 'its model name and version are missing')
  const s = man.settings
  if (!s || (s.mask !== 'hard' && s.mask !== 'soft'))
    throw corrupt(path, 'its engine settings are missing')
  if (
    s.stereoCue !== undefined &&
    !(typeof s.stereoCue === 'number' && s.stereoCue >= 0 && s.stereoCue <= 100)
  )
    throw corrupt(path, 'its stereo cue setting is not a weight in 0..100')
  if (
    !Array.isArray(man.sources) ||
    man.sources.length !== g.k ||
    !man.sources.every(
      (x: ProjectSource) => x && typeof x.name === 'string' && typeof x.colour === 'string',
    )
  )
    throw corrupt(path, `it does not name and colour its ${g.k} sources`)
  let automatic: SourceMasks
  let history: { undo: EditCommand[]; redo: EditCommand[] }
  const [maskBytes, historyBytes] = await Promise.all([
    entry(man.masks?.entry),
    entry(man.history?.entry),
  ])
  try {
    automatic = decodeMasks(
      { encoding: man.masks?.encoding, data: maskBytes },
      {
        k: g.k,
        sampleRate: g.sampleRate,
        nFft: g.nFft,
        hop: g.hop,
        frames: g.frames,
        bins: g.bins,
      },
    )
    history = decodeHistory(man.history ?? {}, historyBytes, g)
  } catch (e) {
    if (e instanceof InputError) throw e
    throw corrupt(path, (e as Error).message, e)
  }
  let clustering: ProjectData['clustering']
  if (man.clustering) {
    const raw = await entry(man.clustering.entry)
    const dim = man.clustering.dim
    if (!posInt(dim) || raw.length !== g.k * dim * 4)
      throw corrupt(path, 'its centroids do not fit k x dim')
    clustering = { dim, centroids: new Float32Array(raw.slice().buffer) }
  }
  let audioPath = a.path
  if (typeof a.relativePath === 'string' && !isAbsolute(a.path))
    audioPath = resolve(dirname(path), a.relativePath)
  return {
    version: man.version,
    project: {
      audio: {
        path: audioPath,
        sha256: a.sha256,
        size: a.size,
        sampleRate: a.sampleRate,
        channels: a.channels,
        durationSec: a.durationSec,
      },
      model: { name: man.model.name, version: man.model.version },
      settings: s,
      sources: man.sources.map((x: ProjectSource) => ({ name: x.name, colour: x.colour })),
      automatic,
      clustering,
      history,
      createdAt: man.createdAt,
      savedAt: man.savedAt,
    },
  }
}

/** The manifest of a container, or undefined if it cannot be read (decodeProject says why). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function peekManifest(bytes: Uint8Array): any {
  try {
    return JSON.parse(strFromU8(readZip(bytes, 'manifest.json')['manifest.json']))
  } catch {
    return undefined
  }
}

/**
 * Opens and validates a project; checks its recording (missing / changed: see `audio`). Throws
 * InputError for a missing, unreadable, damaged or newer-format file, with a message saying so.
 * If the audio is not at its absolute path but is at the stored relative path (the folder moved),
 * that path is used. `editor: true` also rebuilds the editor (projectEditor), while the recording
 * is hashed.
 */
export async function openProject(
  path: string,
  opts: { checkAudio?: boolean; editor?: boolean } = {},
): Promise<OpenedProject> {
  const p = resolve(path)
  let bytes: Uint8Array
  try {
    const st = await stat(p)
    if (st.isDirectory()) throw new InputError(`${path} is a folder, not an Unweave project.`)
    bytes = await readFile(p)
  } catch (e) {
    if (e instanceof InputError) throw e
    const code = (e as NodeJS.ErrnoException).code
    throw new InputError(
      code === 'ENOENT'
        ? `${path} does not exist. Check the path.`
        : `${path} cannot be read: ${(e as Error).message}`,
      { cause: e },
    )
  }
  // The recording is hashed while the project decodes (file reads and inflating overlap).
  const man = peekManifest(bytes)
  const ref = man?.audio
  const early =
    opts.checkAudio !== false && ref && typeof ref.path === 'string' && isAbsolute(ref.path)
      ? checkAudioRef(ref)
      : undefined
  early?.catch(() => undefined)
  const { project, version } = await decodeProject(bytes, p)
  // The history is replayed while the recording is still being hashed (on another thread).
  const editor = opts.editor ? { editor: projectEditor(project) } : {}
  if (opts.checkAudio === false)
    return { project, version, audio: { status: 'ok', path: project.audio.path }, ...editor }
  let audio =
    early && resolve(ref.path) === resolve(project.audio.path)
      ? await early
      : await checkProjectAudio(project)
  if (audio.status === 'missing') {
    const rel = man?.audio?.relativePath
    const alt = typeof rel === 'string' ? resolve(dirname(p), rel) : undefined
    if (alt && alt !== project.audio.path) {
      const again = await checkProjectAudio(project, alt)
      if (again.status === 'ok') {
        project.audio = { ...project.audio, path: alt }
        audio = again
      }
    }
  }
  return { project, version, audio, ...editor }
}

/** Checks that the project's recording (or `candidate`) exists and has the project's sha256. */
export async function checkProjectAudio(
  project: ProjectData,
  candidate?: string,
): Promise<AudioCheck> {
  return checkAudioRef(project.audio, candidate)
}

/** checkProjectAudio() on the audio reference alone. */
async function checkAudioRef(
  ref: Pick<ProjectAudio, 'path' | 'sha256' | 'size'>,
  candidate?: string,
): Promise<AudioCheck> {
  const path = resolve(candidate ?? ref.path)
  let size: number
  try {
    const st = await stat(path)
    if (!st.isFile()) throw new Error('not a file')
    size = st.size
  } catch {
    return {
      status: 'missing',
      path,
      message: `The recording ${path} is missing. Locate the file to continue with this project.`,
    }
  }
  const changed = (actual: string): AudioCheck => ({
    status: 'changed',
    path,
    expectedSha256: ref.sha256,
    actualSha256: actual,
    message: `The recording ${path} has changed since the project was saved (its content differs). Locate the original file; the edits belong to it.`,
  })
  if (typeof ref.size === 'number' && size !== ref.size) return changed('(size differs)')
  let actual: string
  try {
    actual = await sha256File(path)
  } catch {
    return {
      status: 'missing',
      path,
      message: `The recording ${path} cannot be read. Locate the file.`,
    }
  }
  return actual === ref.sha256 ? { status: 'ok', path } : changed(actual)
}

/** "Locate the file": points the project at `newPath` if that file has the project's content. */
export async function relocateAudio(
  project: ProjectData,
  newPath: string,
): Promise<{ project: ProjectData; audio: AudioCheck }> {
  const audio = await checkProjectAudio(project, newPath)
  if (audio.status !== 'ok') return { project, audio }
  return { project: { ...project, audio: { ...project.audio, path: audio.path } }, audio }
}

/** Throws InputError unless the check is ok (for headless callers such as the CLI). */
export function requireAudio(check: AudioCheck): void {
  if (check.status !== 'ok') throw new InputError(check.message)
}
