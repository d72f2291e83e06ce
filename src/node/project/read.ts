/** Reading projects: the container checked and decoded, the recording checked against its hash. */
import { readFile, stat } from 'node:fs/promises'
import { basename, dirname, isAbsolute, resolve } from 'node:path'
import { strFromU8 } from 'fflate'
import {
  decodeHistory,
  decodeMasks,
  planeBytes,
  stftFrameCount,
  type EditCommand,
  type SourceMasks,
} from '../../engine/index'
import { INPUT_OPEN_FLAGS, statInputFile } from '../input-file'
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
import { PROJECT_LIMITS } from './limits'
import { readZip, zipEntryBytes, type ZipRecord } from './zip'

const corrupt = (path: string, what: string, cause?: unknown): InputError =>
  new InputError(
    `${basename(path)} is not a valid Unweave project: ${what}. The file is damaged or not a project; open another copy or a recovery file.`,
    { cause },
  )

/** obj[key] if obj has it as its own property (never from Object.prototype: 'constructor', …). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const own = (obj: unknown, key: string): any =>
  obj !== null && typeof obj === 'object' && Object.hasOwn(obj, key)
    ? (obj as Record<string, unknown>)[key]
    : undefined

const posInt = (x: unknown): boolean => Number.isInteger(x) && (x as number) > 0
const isPow2 = (x: number): boolean => (x & (x - 1)) === 0

/** The grid's frame count for a recording of `length` samples at `rate` (resampled, centred STFT). */
export function gridFrames(length: number, rate: number, grid: MaskGrid): number {
  return stftFrameCount(Math.ceil((length * grid.sampleRate) / rate), grid.hop)
}

/** The mask grid of a project (what the manifest's `grid` holds). */
export interface MaskGrid {
  k: number
  sampleRate: number
  nFft: number
  hop: number
  frames: number
  bins: number
}

/**
 * Why `grid` cannot be a mask grid of the engine for a recording of `durationSec` at `rate`, or of
 * `model`'s STFT if given (undefined: it fits). `slack` frames of difference are allowed (the
 * manifest's duration is rounded).
 */
export function gridMisfit(
  grid: MaskGrid,
  recording?: { length: number; sampleRate: number },
  model?: { sampleRate: number; nFft: number; hop: number },
  slack = 0,
): string | undefined {
  const g = grid
  if (g.k > PROJECT_LIMITS.sources)
    return `it has ${g.k} sources; Unweave makes at most ${PROJECT_LIMITS.sources}`
  if (g.nFft < 16 || g.nFft > 16384 || !isPow2(g.nFft))
    return `its FFT size ${g.nFft} is not a power of two from 16 to 16384`
  if (g.bins !== g.nFft / 2 + 1) return `its ${g.bins} bins do not fit its FFT size ${g.nFft}`
  if (g.hop > g.nFft || g.hop * 8 < g.nFft)
    return `its hop ${g.hop} is not between an eighth of its FFT size ${g.nFft} and all of it`
  if (g.sampleRate < 4000 || g.sampleRate > 192000)
    return `its sample rate ${g.sampleRate} Hz is outside 4000..192000`
  if (g.frames * g.bins * g.k > PROJECT_LIMITS.gridValues)
    return `its ${g.frames} x ${g.bins} x ${g.k} mask values are more than the ${PROJECT_LIMITS.gridValues} Unweave opens`
  if (model && (g.sampleRate !== model.sampleRate || g.nFft !== model.nFft || g.hop !== model.hop))
    return `its grid (${g.sampleRate} Hz, FFT ${g.nFft}, hop ${g.hop}) is not the model's (${model.sampleRate} Hz, FFT ${model.nFft}, hop ${model.hop})`
  if (recording) {
    const want = gridFrames(recording.length, recording.sampleRate, g)
    if (Math.abs(want - g.frames) > slack)
      return `its masks have ${g.frames} frames, but the recording (${(recording.length / recording.sampleRate).toFixed(3)} s) has ${want}`
  }
  return undefined
}

/** Parses and validates the container bytes of a project (no audio check). */
export async function decodeProject(
  bytes: Uint8Array,
  path = 'project.unweave',
): Promise<{ project: ProjectData; version: number }> {
  if (bytes.length === 0) throw corrupt(path, 'the file is empty')
  if (bytes.length > PROJECT_LIMITS.fileBytes)
    throw corrupt(
      path,
      `it is ${bytes.length} bytes, more than the ${PROJECT_LIMITS.fileBytes} a project may be`,
    )
  let files: Map<string, ZipRecord>
  let mf: Uint8Array
  try {
    files = readZip(bytes, { maxEntries: PROJECT_LIMITS.entries })
    const rec = files.get('manifest.json')
    if (!rec) throw corrupt(path, 'it has no manifest.json')
    mf = zipEntryBytes('manifest.json', rec, PROJECT_LIMITS.manifestBytes)
  } catch (e) {
    if (e instanceof InputError) throw e
    throw corrupt(path, `its container cannot be read (${(e as Error).message})`, e)
  }
  let man: any // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    man = JSON.parse(strFromU8(mf))
  } catch (e) {
    throw corrupt(path, 'its manifest is not valid JSON', e)
  }
  if (!man || typeof man !== 'object' || Array.isArray(man) || man.format !== PROJECT_FORMAT)
    throw corrupt(path, `its manifest does not say format '${PROJECT_FORMAT}'`)
  if (!Number.isInteger(man.version) || man.version < 1)
    throw corrupt(path, `its format version ${JSON.stringify(man.version)} is not a version number`)
  if (man.version > PROJECT_VERSION)
    throw new InputError(
      `${basename(path)} was saved by a newer Unweave (project format ${man.version}); this version reads format ${PROJECT_VERSION} and older. Update Unweave to open it.`,
    )
  /**
   * A binary entry of `rawBytes` bytes: the zip entry's CRC-32 and the manifest's sha256 of the
   * stored bytes checked, then inflated if compressed, never past `rawBytes`.
   */
  const entry = async (name: unknown, rawBytes: number): Promise<Uint8Array> => {
    const rec = typeof name === 'string' ? files.get(name) : undefined
    if (typeof name !== 'string' || !rec)
      throw corrupt(path, `the entry ${String(name)} is missing`)
    const want = own(man.entries, name)
    if (!want || typeof want !== 'object' || typeof want.sha256 !== 'string')
      throw corrupt(path, `the entry ${name} has no checksum`)
    if (want.rawBytes !== rawBytes)
      throw corrupt(
        path,
        `the entry ${name} says ${String(want.rawBytes)} bytes; its grid needs ${rawBytes}`,
      )
    const compressed = want.compression === 'deflate-raw'
    if (!compressed && want.compression !== undefined && want.compression !== 'none')
      throw corrupt(
        path,
        `the entry ${name} uses an unknown compression '${String(want.compression)}'`,
      )
    let stored: Uint8Array
    try {
      // compressed payloads are smaller than their raw bytes, plus deflate's few bytes per block
      stored = zipEntryBytes(name, rec, compressed ? rawBytes + (rawBytes >> 6) + 1024 : rawBytes)
    } catch (e) {
      throw corrupt(path, (e as Error).message, e)
    }
    if (sha256(stored) !== want.sha256) throw corrupt(path, `the entry ${name} fails its checksum`)
    if (!compressed) {
      if (stored.length !== rawBytes)
        throw corrupt(path, `the entry ${name} has ${stored.length} bytes, not ${rawBytes}`)
      return stored
    }
    try {
      return await unpack(stored, { ...want, rawBytes })
    } catch (e) {
      throw corrupt(path, `the entry ${name} cannot be decompressed (${(e as Error).message})`, e)
    }
  }
  const g = man.grid
  if (
    !g ||
    typeof g !== 'object' ||
    ![g.k, g.sampleRate, g.nFft, g.hop, g.frames, g.bins].every(posInt)
  )
    throw corrupt(path, 'its mask grid is missing or invalid')
  const a = man.audio
  if (
    !a ||
    typeof a.path !== 'string' ||
    typeof a.sha256 !== 'string' ||
    !/^[0-9a-f]{64}$/.test(a.sha256)
  )
    throw corrupt(path, 'its audio reference (path and sha256) is missing or invalid')
  const duration =
    posInt(a.sampleRate) && typeof a.durationSec === 'number' && a.durationSec > 0
      ? { length: Math.round(a.durationSec * a.sampleRate), sampleRate: a.sampleRate as number }
      : undefined
  // The grid must be one the engine makes, of the recording's length where the manifest says it
  // (the exact check is made against the decoded recording when it is opened or exported).
  const misfit = gridMisfit(g, duration, undefined, 2)
  if (misfit) throw corrupt(path, misfit)
  if (!man.model || typeof man.model.name !== 'string' || typeof man.model.version !== 'string')
    throw corrupt(path, 'its model name and version are missing')
  const s = man.settings
  if (!s || typeof s !== 'object' || (s.mask !== 'hard' && s.mask !== 'soft'))
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
  // The history's size, before any of it is decoded or replayed.
  const h = man.history
  if (!h || typeof h !== 'object' || !Array.isArray(h.undo) || !Array.isArray(h.redo))
    throw corrupt(path, 'its history is missing')
  if (h.undo.length + h.redo.length > PROJECT_LIMITS.commands)
    throw corrupt(
      path,
      `its history has ${h.undo.length + h.redo.length} commands, more than ${PROJECT_LIMITS.commands}`,
    )
  const area = (list: unknown[]): number =>
    list.reduce<number>((sum, c) => {
      const r = c as { frames?: unknown; bins?: unknown } | null
      return (
        sum +
        (r && posInt(r.frames) && posInt(r.bins) ? (r.frames as number) * (r.bins as number) : 0)
      )
    }, 0)
  const undoArea = area(h.undo)
  const touched = undoArea + area(h.redo)
  if (touched > PROJECT_LIMITS.touchedWeights)
    throw corrupt(
      path,
      `its history touches ${touched} mask weights, more than ${PROJECT_LIMITS.touchedWeights}`,
    )
  const n = g.frames * g.bins
  const undoBytes = Math.max(0, undoArea - n) * (8 + 4 * g.k)
  if (undoBytes > PROJECT_LIMITS.undoBytes)
    throw corrupt(
      path,
      `replaying its history would take ${Math.round(undoBytes / 2 ** 20)} MB of undo memory, more than ${PROJECT_LIMITS.undoBytes / 2 ** 20}`,
    )
  const historyRaw = own(own(man.entries, String(h.entry)), 'rawBytes')
  if (!Number.isInteger(historyRaw) || historyRaw < 0 || historyRaw > PROJECT_LIMITS.touchedWeights)
    throw corrupt(path, 'its history payload does not fit its commands')
  const encoding = man.masks?.encoding
  const maskRaw =
    encoding === 'labels-u8' ? n : encoding === 'u12-planes' ? planeBytes(n) * (g.k - 1) : -1
  if (maskRaw < 0) throw corrupt(path, `its masks use an unknown encoding '${String(encoding)}'`)
  let automatic: SourceMasks
  let history: { undo: EditCommand[]; redo: EditCommand[] }
  const [maskBytes, historyBytes] = await Promise.all([
    entry(man.masks?.entry, maskRaw),
    entry(h.entry, historyRaw),
  ])
  try {
    automatic = decodeMasks(
      { encoding, data: maskBytes },
      {
        k: g.k,
        sampleRate: g.sampleRate,
        nFft: g.nFft,
        hop: g.hop,
        frames: g.frames,
        bins: g.bins,
      },
    )
    history = decodeHistory(h, historyBytes, g)
  } catch (e) {
    if (e instanceof InputError) throw e
    throw corrupt(path, (e as Error).message, e)
  }
  let clustering: ProjectData['clustering']
  if (man.clustering) {
    const dim = man.clustering.dim
    if (!posInt(dim) || dim > PROJECT_LIMITS.centroidDim)
      throw corrupt(path, 'its centroids do not fit k x dim')
    const raw = await entry(man.clustering.entry, g.k * dim * 4)
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
    const rec = readZip(bytes, { only: 'manifest.json', maxEntries: PROJECT_LIMITS.entries }).get(
      'manifest.json',
    )
    return rec
      ? JSON.parse(strFromU8(zipEntryBytes('manifest.json', rec, PROJECT_LIMITS.manifestBytes)))
      : undefined
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
  const st = await statInputFile(p, 'an Unweave project')
  if (st.size > PROJECT_LIMITS.fileBytes)
    throw corrupt(
      p,
      `it is ${st.size} bytes, more than the ${PROJECT_LIMITS.fileBytes} a project may be`,
    )
  let bytes: Uint8Array
  try {
    bytes = await readFile(p, { flag: INPUT_OPEN_FLAGS })
  } catch (e) {
    throw new InputError(`${path} cannot be read: ${(e as Error).message}`, { cause: e })
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
