/**
 * Argument validation for every IPC channel (main trusts nothing from
 * the renderer). Each validator takes the raw value the renderer sent and returns the typed
 * arguments, or throws ArgumentError with a message naming the field and what was expected.
 * Unknown fields are refused. Filesystem checks (exists, regular file) are in `checkAudioPath`
 * and `checkFolder`. No Electron import here.
 *
 * Over 500 lines: one small validator per channel of the contract beside the field checks they
 * share; splitting them would put a channel's checks away from the others'.
 */
import { CodedError } from '../shared/errors'
import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { extname, isAbsolute } from 'node:path'
import {
  type ArgsOf,
  type Channel,
  type EditOp,
  type ExportFormat,
  type ExportRequest,
  type ProjectSourceInfo,
  type Range,
  type EditAction,
  type WireSelection,
  EDIT_TOOLS,
  LIMITS,
  PROJECT_EXTENSION,
} from '../shared/ipc'

/** A bad argument from the renderer (a bug in the caller, or an attack). */
export class ArgumentError extends CodedError {
  constructor(message: string) {
    super('invalid-argument', message)
    this.name = 'ArgumentError'
  }
}

/** A path the user chose that cannot be used (missing, a folder, wrong type). */
export class PathError extends CodedError {
  constructor(
    message: string,
    readonly kind: 'input' | 'output',
  ) {
    super(kind, message)
    this.name = 'PathError'
  }
}

type Obj = Record<string, unknown>

function record(raw: unknown, what: string, allowed: readonly string[]): Obj {
  if (raw === undefined) raw = {}
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ArgumentError(`${what}: expected an object`)
  }
  const proto = Object.getPrototypeOf(raw) as unknown
  if (proto !== Object.prototype && proto !== null) {
    throw new ArgumentError(`${what}: expected a plain object`)
  }
  for (const k of Object.keys(raw)) {
    if (!allowed.includes(k)) throw new ArgumentError(`${what}: unknown field '${k}'`)
  }
  return raw as Obj
}

/** `{ [key]: check(r[key], key) }` where the record has `key`, else `{}`: for spreading. */
function optional<K extends string, T>(
  r: Obj,
  key: K,
  check: (v: unknown, field: string) => T,
): Partial<Record<K, T>> {
  return r[key] !== undefined ? ({ [key]: check(r[key], key) } as Record<K, T>) : {}
}

const ID = /^[A-Za-z0-9_.:-]{1,80}$/

/** An opaque id (file, separation, task): 1-80 characters of [A-Za-z0-9_.:-]. */
export function id(v: unknown, field: string): string {
  if (typeof v !== 'string' || !ID.test(v)) {
    throw new ArgumentError(`${field}: expected an id (1-80 letters, digits, '_', '-', '.', ':')`)
  }
  return v
}

/** An integer in [min, max]. */
export function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ArgumentError(`${field}: expected an integer from ${min} to ${max}, got ${show(v)}`)
  }
  return v
}

/** A finite number in [min, max]. */
export function num(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ArgumentError(`${field}: expected a number from ${min} to ${max}, got ${show(v)}`)
  }
  return v
}

/** A boolean (true or false, nothing else). */
export function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean')
    throw new ArgumentError(`${field}: expected true or false, got ${show(v)}`)
  return v
}

/** One of the given strings. */
export function oneOf<T extends string | number>(
  v: unknown,
  field: string,
  values: readonly T[],
): T {
  if (!values.includes(v as T)) {
    throw new ArgumentError(
      `${field}: expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${show(v)}`,
    )
  }
  return v as T
}

/** A string of at most `max` characters without control characters. */
export function text(v: unknown, field: string, max: number, allowEmpty = false): string {
  if (typeof v !== 'string' || v.length > max || (!allowEmpty && v.length === 0)) {
    throw new ArgumentError(
      `${field}: expected a string of ${allowEmpty ? 0 : 1}-${max} characters`,
    )
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v))
    throw new ArgumentError(`${field}: control characters are not allowed`)
  return v
}

/** An absolute path (syntax only; see checkAudioPath / checkFolder for the filesystem). */
export function absolutePath(v: unknown, field: string): string {
  const p = text(v, field, 4096)
  if (!isAbsolute(p)) throw new ArgumentError(`${field}: expected an absolute path, got ${show(p)}`)
  return p
}

function range(v: unknown, field: string): Range | undefined {
  if (v === undefined) return undefined
  const r = record(v, field, ['from', 'to'])
  const out: Range = {}
  if (r.from !== undefined) out.from = int(r.from, `${field}.from`, 0, Number.MAX_SAFE_INTEGER)
  if (r.to !== undefined) out.to = int(r.to, `${field}.to`, 0, Number.MAX_SAFE_INTEGER)
  if (out.from !== undefined && out.to !== undefined && out.to < out.from) {
    throw new ArgumentError(`${field}: 'to' (${out.to}) is before 'from' (${out.from})`)
  }
  return out
}

function sourceList(v: unknown, field: string, allowEmpty: boolean): number[] {
  if (!Array.isArray(v) || v.length > LIMITS.maxSources || (!allowEmpty && v.length === 0)) {
    throw new ArgumentError(`${field}: expected a list of 1-${LIMITS.maxSources} source indices`)
  }
  const out = v.map((x, i) => int(x, `${field}[${i}]`, 0, LIMITS.maxSources - 1))
  if (new Set(out).size !== out.length) throw new ArgumentError(`${field}: repeated source index`)
  return out
}

function exportFormat(v: unknown): ExportFormat {
  const f = record(v, 'format', ['container', 'bits'])
  const container = oneOf(f.container, 'format.container', ['wav', 'flac'] as const)
  if (container === 'wav') {
    return { container, bits: oneOf(f.bits, 'format.bits', [16, 24, '32f'] as const) }
  }
  return { container, bits: oneOf(f.bits, 'format.bits', [16, 24] as const) }
}

/** Checks a file-name template: tokens known, no path separators or reserved characters. */
export function nameTemplate(v: unknown): string {
  const t = text(v, 'template', 200)
  for (const m of t.matchAll(/\{([^}]*)\}/g)) {
    if (!['name', 'source', 'index', 'count'].includes(m[1]!)) {
      throw new ArgumentError(
        `template: unknown token {${m[1]}}; use {name}, {source}, {index} or {count}`,
      )
    }
  }
  if (/[/\\:*?"<>|]/.test(t.replace(/\{[a-z]+\}/g, ''))) {
    throw new ArgumentError('template: / \\ : * ? " < > | are not allowed in file names')
  }
  if (!t.includes('{index}') && !t.includes('{source}')) {
    throw new ArgumentError('template: include {index} or {source} so each stem gets its own name')
  }
  return t
}

function exportRequest(raw: unknown, withTask: boolean): ExportRequest & { taskId?: string } {
  const allowed = [
    'separationId',
    'sources',
    'sourceNames',
    'folder',
    'format',
    'template',
    'overwrite',
  ]
  const r = record(raw, 'export', withTask ? [...allowed, 'taskId'] : allowed)
  const out: ExportRequest & { taskId?: string } = {
    separationId: id(r.separationId, 'separationId'),
    sources: sourceList(r.sources, 'sources', false),
    folder: absolutePath(r.folder, 'folder'),
    format: exportFormat(r.format),
    template: nameTemplate(r.template),
    overwrite: oneOf(r.overwrite, 'overwrite', ['never', 'replace'] as const),
  }
  if (r.sourceNames !== undefined) {
    if (!Array.isArray(r.sourceNames) || r.sourceNames.length > LIMITS.maxSources) {
      throw new ArgumentError(`sourceNames: expected a list of at most ${LIMITS.maxSources} names`)
    }
    out.sourceNames = r.sourceNames.map((n, i) => text(n, `sourceNames[${i}]`, 100, true))
  }
  if (withTask) out.taskId = id(r.taskId, 'taskId')
  return out
}

/** Most bins one selection may carry (a 30-min file's whole grid is ~58M). */
const MAX_SELECTION_BINS = 64 * 1024 * 1024

/** A selection: integer box and uint8 weights of exactly frames * bins. */
export function selection(v: unknown, field: string): WireSelection {
  const r = record(v, field, ['frame0', 'frames', 'bin0', 'bins', 'weights'])
  const big = 1 << 30
  const out: WireSelection = {
    frame0: int(r.frame0, `${field}.frame0`, 0, big),
    frames: int(r.frames, `${field}.frames`, 0, big),
    bin0: int(r.bin0, `${field}.bin0`, 0, big),
    bins: int(r.bins, `${field}.bins`, 0, big),
    weights: r.weights as Uint8Array,
  }
  if (!(r.weights instanceof Uint8Array)) {
    throw new ArgumentError(`${field}.weights: expected a Uint8Array`)
  }
  if (out.frames * out.bins > MAX_SELECTION_BINS || out.weights.length !== out.frames * out.bins) {
    throw new ArgumentError(
      `${field}.weights: expected frames * bins = ${out.frames * out.bins} weights, got ${out.weights.length}`,
    )
  }
  return out
}

function editAction(v: unknown, field: string): EditAction {
  const type = oneOf((v as { type?: unknown } | null)?.type, `${field}.type`, [
    'assign',
    'move',
    'split',
    'restore',
  ] as const)
  const src = (x: unknown, f: string): number => int(x, f, 0, LIMITS.maxSources - 1)
  switch (type) {
    case 'assign': {
      const r = record(v, field, ['type', 'to'])
      return { type, to: src(r.to, `${field}.to`) }
    }
    case 'move': {
      const r = record(v, field, ['type', 'from', 'to'])
      return { type, from: src(r.from, `${field}.from`), to: src(r.to, `${field}.to`) }
    }
    default:
      record(v, field, ['type'])
      return { type }
  }
}

function editOp(v: unknown): EditOp {
  const type = oneOf((v as { type?: unknown } | null)?.type, 'op.type', [
    'apply',
    'undo',
    'redo',
  ] as const)
  if (type !== 'apply') {
    record(v, 'op', ['type'])
    return { type }
  }
  const r = record(v, 'op', ['type', 'command'])
  const c = record(r.command, 'op.command', ['action', 'selection', 'tool'])
  return {
    type,
    command: {
      action: editAction(c.action, 'op.command.action'),
      selection: selection(c.selection, 'op.command.selection'),
      ...(c.tool === undefined ? {} : { tool: oneOf(c.tool, 'op.command.tool', EDIT_TOOLS) }),
    },
  }
}

function projectSources(v: unknown): ProjectSourceInfo[] {
  if (!Array.isArray(v) || v.length > LIMITS.maxSources) {
    throw new ArgumentError(`sources: expected a list of at most ${LIMITS.maxSources} sources`)
  }
  return v.map((x, i) => {
    const r = record(x, `sources[${i}]`, ['name', 'colour'])
    const colour = text(r.colour, `sources[${i}].colour`, 64)
    if (!/^(#[0-9a-fA-F]{3,8}|(rgb|rgba|hsl|hsla)\([0-9.,%\s]+\)|[a-zA-Z]{1,30})$/.test(colour)) {
      throw new ArgumentError(`sources[${i}].colour: expected a CSS colour such as #e0a030`)
    }
    return { name: text(r.name, `sources[${i}].name`, 100, true), colour }
  })
}

/** An absolute path ending in .unweave. */
function projectPath(v: unknown, field: string): string {
  const p = absolutePath(v, field)
  if (!p.toLowerCase().endsWith(`.${PROJECT_EXTENSION}`)) {
    throw new ArgumentError(`${field}: a project file ends in .${PROJECT_EXTENSION}`)
  }
  return p
}

type Validators = { [C in Channel]: (raw: unknown) => ArgsOf<C> }

/** One validator per channel of the contract. */
export const validators: Validators = {
  getAppInfo: (raw) => (record(raw, 'getAppInfo', []), {}),
  getModelCard: (raw) => (record(raw, 'getModelCard', []), {}),
  openFileDialog: (raw) => (record(raw, 'openFileDialog', []), {}),
  openFile: (raw) => {
    const r = record(raw, 'openFile', ['path'])
    return { path: absolutePath(r.path, 'path') }
  },
  getFileInfo: (raw) => ({ fileId: id(record(raw, 'getFileInfo', ['fileId']).fileId, 'fileId') }),
  listRecentFiles: (raw) => (record(raw, 'listRecentFiles', []), {}),
  clearRecentFiles: (raw) => (record(raw, 'clearRecentFiles', []), {}),
  getSpectrogram: (raw) => {
    const r = record(raw, 'getSpectrogram', ['fileId', 'range'])
    const rg = range(r.range, 'range')
    return { fileId: id(r.fileId, 'fileId'), ...(rg ? { range: rg } : {}) }
  },
  getPeaks: (raw) => {
    const r = record(raw, 'getPeaks', ['fileId', 'peaksPerSecond'])
    return {
      fileId: id(r.fileId, 'fileId'),
      peaksPerSecond: num(r.peaksPerSecond, 'peaksPerSecond', 1, 1000),
    }
  },
  getAudio: (raw) => {
    const r = record(raw, 'getAudio', ['fileId', 'range'])
    const rg = range(r.range, 'range')
    return { fileId: id(r.fileId, 'fileId'), ...(rg ? { range: rg } : {}) }
  },
  analyse: (raw) => {
    const r = record(raw, 'analyse', ['taskId', 'fileId', 'stereoCue'])
    return {
      taskId: id(r.taskId, 'taskId'),
      fileId: id(r.fileId, 'fileId'),
      ...optional(r, 'stereoCue', bool),
    }
  },
  cluster: (raw) => {
    const r = record(raw, 'cluster', ['fileId', 'sourceCount', 'mask', 'stereoCue', 'taskId'])
    const sourceCount =
      r.sourceCount === 'auto'
        ? ('auto' as const)
        : int(r.sourceCount, 'sourceCount', LIMITS.minSources, LIMITS.maxSources)
    return {
      fileId: id(r.fileId, 'fileId'),
      sourceCount,
      ...optional(r, 'mask', (v, f) => oneOf(v, f, ['hard', 'soft'] as const)),
      ...optional(r, 'stereoCue', bool),
      ...optional(r, 'taskId', id),
    }
  },
  getMasks: (raw) => {
    const r = record(raw, 'getMasks', ['separationId', 'range'])
    const rg = range(r.range, 'range')
    return { separationId: id(r.separationId, 'separationId'), ...(rg ? { range: rg } : {}) }
  },
  getStemAudio: (raw) => {
    const r = record(raw, 'getStemAudio', ['separationId', 'sources', 'range', 'taskId'])
    const rg = range(r.range, 'range')
    return {
      separationId: id(r.separationId, 'separationId'),
      sources: sourceList(r.sources, 'sources', false),
      ...(rg ? { range: rg } : {}),
      ...optional(r, 'taskId', id),
    }
  },
  getSelectionAudio: (raw) => {
    const r = record(raw, 'getSelectionAudio', ['separationId', 'selection', 'part'])
    return {
      separationId: id(r.separationId, 'separationId'),
      selection: selection(r.selection, 'selection'),
      part: oneOf(r.part, 'part', ['selection', 'rest'] as const),
    }
  },
  cancelTask: (raw) => ({ taskId: id(record(raw, 'cancelTask', ['taskId']).taskId, 'taskId') }),
  chooseExportFolder: (raw) => {
    const r = record(raw, 'chooseExportFolder', ['defaultPath'])
    return r.defaultPath !== undefined
      ? { defaultPath: absolutePath(r.defaultPath, 'defaultPath') }
      : {}
  },
  planExport: (raw) => exportRequest(raw, false),
  exportStems: (raw) => exportRequest(raw, true) as ArgsOf<'exportStems'>,
  revealInFolder: (raw) => ({
    path: absolutePath(record(raw, 'revealInFolder', ['path']).path, 'path'),
  }),
  editMasks: (raw) => {
    const r = record(raw, 'editMasks', ['separationId', 'op'])
    return { separationId: id(r.separationId, 'separationId'), op: editOp(r.op) }
  },
  wandSelect: (raw) => {
    const r = record(raw, 'wandSelect', ['separationId', 'seed', 'share'])
    const seedRaw = r.seed as Record<string, unknown> | null
    let seed: ArgsOf<'wandSelect'>['seed']
    if (seedRaw && typeof seedRaw === 'object' && 'selection' in seedRaw) {
      seed = {
        selection: selection(record(seedRaw, 'seed', ['selection']).selection, 'seed.selection'),
      }
    } else {
      const sr = record(seedRaw, 'seed', ['frame', 'bin'])
      seed = { frame: num(sr.frame, 'seed.frame', 0, 1e9), bin: num(sr.bin, 'seed.bin', 0, 1e6) }
    }
    return {
      separationId: id(r.separationId, 'separationId'),
      seed,
      share: num(r.share, 'share', 0, 1),
    }
  },
  reclusterWithEdits: (raw) => {
    const r = record(raw, 'reclusterWithEdits', ['separationId', 'taskId'])
    return {
      separationId: id(r.separationId, 'separationId'),
      ...optional(r, 'taskId', id),
    }
  },
  saveProject: (raw) => {
    const r = record(raw, 'saveProject', ['separationId', 'path', 'sources'])
    return {
      separationId: id(r.separationId, 'separationId'),
      ...optional(r, 'path', projectPath),
      sources: projectSources(r.sources),
    }
  },
  openProjectDialog: (raw) => (record(raw, 'openProjectDialog', []), {}),
  openProject: (raw) => ({ path: projectPath(record(raw, 'openProject', ['path']).path, 'path') }),
  locateProjectAudio: (raw) => {
    const r = record(raw, 'locateProjectAudio', ['projectPath', 'path'])
    return {
      projectPath: projectPath(r.projectPath, 'projectPath'),
      ...optional(r, 'path', absolutePath),
    }
  },
  autosaveProject: (raw) => {
    const r = record(raw, 'autosaveProject', ['separationId', 'sources', 'note'])
    const n = record(r.note, 'note', ['edits', 'lastEdit'])
    return {
      separationId: id(r.separationId, 'separationId'),
      sources: projectSources(r.sources),
      note: {
        edits: int(n.edits, 'note.edits', 0, 1e9),
        lastEdit: text(n.lastEdit, 'note.lastEdit', 200, true),
      },
    }
  },
  getRecovery: (raw) => (record(raw, 'getRecovery', []), {}),
  discardRecovery: (raw) => (record(raw, 'discardRecovery', []), {}),
  getEnergyShares: (raw) => ({
    separationId: id(record(raw, 'getEnergyShares', ['separationId']).separationId, 'separationId'),
  }),
  setUnsavedEdits: (raw) => ({
    unsaved: bool(record(raw, 'setUnsavedEdits', ['unsaved']).unsaved, 'unsaved'),
  }),
  confirmClose: (raw) => {
    const r = record(raw, 'confirmClose', ['id', 'close'])
    return { id: int(r.id, 'id', 1, Number.MAX_SAFE_INTEGER), close: bool(r.close, 'close') }
  },
}

/** Checks that `path` is an existing regular file with an audio extension we open. */
export async function checkAudioPath(path: string): Promise<void> {
  const ext = extname(path).slice(1).toLowerCase()
  if (!(LIMITS.audioExtensions as readonly string[]).includes(ext)) {
    throw new PathError(
      `${path} is not a file type Unweave opens (.${ext || '?'}). Open a WAV, FLAC, MP3, Ogg Vorbis or Opus file.`,
      'input',
    )
  }
  let st
  try {
    st = await stat(path)
  } catch {
    throw new PathError(`${path} does not exist (moved or deleted?).`, 'input')
  }
  if (!st.isFile()) throw new PathError(`${path} is not a regular file.`, 'input')
}

/** Checks that `folder` is an existing, writable folder. */
export async function checkFolder(folder: string): Promise<void> {
  let st
  try {
    st = await stat(folder)
  } catch {
    throw new PathError(`The folder ${folder} does not exist. Choose another folder.`, 'output')
  }
  if (!st.isDirectory()) throw new PathError(`${folder} is not a folder.`, 'output')
  try {
    await access(folder, constants.W_OK)
  } catch {
    throw new PathError(`The folder ${folder} cannot be written. Choose another folder.`, 'output')
  }
}

function show(v: unknown): string {
  try {
    const s = JSON.stringify(v)
    return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}…` : s
  } catch {
    return typeof v
  }
}
