import { DEFAULT_NAME_TEMPLATE, type ExportFormat, type ExportRequest } from '../../../shared/ipc'
import { errorMessage, type Backend } from '../lib/backend'
import type { SourceInfo } from './separation.svelte'

/** The formats offered: control value, label, the contract's format, file extension. */
export const EXPORT_FORMATS = [
  { value: 'wav-16', label: 'WAV 16-bit', format: { container: 'wav', bits: 16 }, ext: 'wav' },
  { value: 'wav-24', label: 'WAV 24-bit', format: { container: 'wav', bits: 24 }, ext: 'wav' },
  {
    value: 'wav-32f',
    label: 'WAV 32-bit float',
    format: { container: 'wav', bits: '32f' },
    ext: 'wav',
  },
  { value: 'flac-16', label: 'FLAC 16-bit', format: { container: 'flac', bits: 16 }, ext: 'flac' },
  { value: 'flac-24', label: 'FLAC 24-bit', format: { container: 'flac', bits: 24 }, ext: 'flac' },
] as const satisfies readonly { value: string; label: string; format: ExportFormat; ext: string }[]

/** A format control value. */
export type FormatValue = (typeof EXPORT_FORMATS)[number]['value']

/** Where the dialog is. */
export type ExportPhase = 'editing' | 'confirm-overwrite' | 'exporting' | 'done'

const ILLEGAL = /[\\/:*?"<>|]/
const ILLEGAL_G = /[\\/:*?"<>|]/g

/** True when s has a control character (not allowed in file names). */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 32) return true
  return false
}

/** s with control characters and characters not allowed in file names replaced by '_'. */
function safeName(s: string): string {
  let out = ''
  for (const c of s.replace(ILLEGAL_G, '_')) out += c.charCodeAt(0) < 32 ? '_' : c
  return out.trim()
}
const TOKENS = /\{(name|source|index|count)\}/g

/** Expands a file-name template (tokens {name} {source} {index} {count}) for a preview. */
export function expandTemplate(
  template: string,
  v: { name: string; source: string; index: number; count: number },
  ext: string,
): string {
  const safe = safeName
  const name = template
    .replaceAll('{name}', safe(v.name))
    .replaceAll('{source}', safe(v.source))
    .replaceAll('{index}', String(v.index + 1))
    .replaceAll('{count}', String(v.count))
    .trim()
  return `${name}.${ext}`
}

/** True when a value occurs twice. */
function hasDuplicates(values: string[]): boolean {
  const sorted = [...values].sort()
  return sorted.some((v, i) => i > 0 && v === sorted[i - 1])
}

/** A file's name without folder and extension. */
export function baseName(path: string): string {
  const file = path.split(/[\\/]/).pop() ?? path
  const dot = file.lastIndexOf('.')
  return dot > 0 ? file.slice(0, dot) : file
}

/**
 * The export dialog: which sources, folder, format, file-name template; validation; never
 * overwrites silently (existing files are listed and must be confirmed); progress; reveal when done.
 */
export class ExportDialog {
  open = $state(false)
  phase = $state<ExportPhase>('editing')
  /** Sources as they were when the dialog opened. */
  sources = $state.raw<SourceInfo[]>([])
  separationId = $state('')
  inputName = $state('')
  selected = $state.raw<boolean[]>([])
  folder = $state('')
  format = $state<FormatValue>('wav-24')
  template = $state(DEFAULT_NAME_TEMPLATE)
  conflicts = $state.raw<string[]>([])
  progress = $state(0)
  written = $state.raw<string[]>([])
  error = $state('')
  #backend: Backend
  #taskId: string | null = null

  constructor(backend: Backend) {
    this.#backend = backend
  }

  readonly extension = $derived(EXPORT_FORMATS.find((f) => f.value === this.format)?.ext ?? 'wav')
  readonly chosen = $derived(this.sources.filter((_, i) => this.selected[i]))
  readonly fileNames = $derived(
    this.chosen.map((s) =>
      expandTemplate(
        this.template,
        { name: this.inputName, source: s.name, index: s.index, count: this.sources.length },
        this.extension,
      ),
    ),
  )
  /** What is wrong with the current choices (empty when the export can run). */
  readonly problems: string[] = $derived.by(() => {
    const p: string[] = []
    if (this.chosen.length === 0) p.push('Choose at least one source.')
    if (!this.folder.trim()) p.push('Choose a folder.')
    const t = this.template.trim()
    if (!t) p.push('The file-name template is empty.')
    else if (ILLEGAL.test(t.replace(TOKENS, '')) || hasControl(t))
      p.push(
        'The file-name template contains a character not allowed in file names (\\ / : * ? " < > |).',
      )
    else if (hasDuplicates(this.fileNames.map((n) => n.toLowerCase())))
      p.push('Two sources would get the same file name: add {index} or {source} to the template.')
    else if (this.fileNames.some((n) => n.length > 240)) p.push('A file name would be too long.')
    return p
  })
  readonly canExport = $derived(this.problems.length === 0 && this.phase === 'editing')

  /** Opens the dialog for the sources of separation `separationId` of the file at `filePath`. */
  show(separationId: string, sources: SourceInfo[], filePath: string): void {
    this.separationId = separationId
    this.sources = sources
    this.inputName = baseName(filePath)
    this.selected = sources.map(() => true)
    if (!this.folder) this.folder = filePath.replace(/[\\/][^\\/]*$/, '')
    this.phase = 'editing'
    this.conflicts = []
    this.written = []
    this.progress = 0
    this.error = ''
    this.open = true
  }

  /** Closes the dialog; while writing, cancels the export first. */
  close(): void {
    if (this.phase === 'exporting') {
      if (this.#taskId)
        void this.#backend.call('cancelTask', { taskId: this.#taskId }).catch(() => {})
      return
    }
    this.open = false
  }

  /** Ticks or unticks a source. */
  toggleSource(i: number): void {
    this.selected = this.selected.map((v, j) => (j === i ? !v : v))
  }

  /** Ticks all sources or none. */
  selectAll(on: boolean): void {
    this.selected = this.sources.map(() => on)
  }

  /** Asks main for a folder. */
  async chooseFolder(): Promise<void> {
    try {
      const folder = await this.#backend.call(
        'chooseExportFolder',
        this.folder ? { defaultPath: this.folder } : {},
      )
      if (folder) this.folder = folder
    } catch (e) {
      this.error = errorMessage(e)
    }
  }

  /** The request for main (overwrite policy 'never' unless confirmed). */
  request(overwrite: ExportRequest['overwrite']): ExportRequest {
    return {
      separationId: this.separationId,
      sources: this.chosen.map((s) => s.index),
      sourceNames: this.sources.map((s) => s.name),
      folder: this.folder.trim(),
      format: EXPORT_FORMATS.find((f) => f.value === this.format)!.format,
      template: this.template.trim(),
      overwrite,
    }
  }

  /** Starts the export: existing files are listed for confirmation first, never overwritten silently. */
  async submit(): Promise<void> {
    if (!this.canExport) return
    this.error = ''
    try {
      const plan = await this.#backend.call('planExport', this.request('never'))
      const existing = plan.filter((f) => f.exists).map((f) => f.path)
      if (existing.length > 0) {
        this.conflicts = existing
        this.phase = 'confirm-overwrite'
        return
      }
      await this.#write('never')
    } catch (e) {
      this.error = errorMessage(e)
      this.phase = 'editing'
    }
  }

  /** The user agreed to replace the listed files. */
  async confirmOverwrite(): Promise<void> {
    if (this.phase !== 'confirm-overwrite') return
    try {
      await this.#write('replace')
    } catch (e) {
      this.error = errorMessage(e)
      this.phase = 'editing'
    }
  }

  /** The user declined to replace files: back to editing. */
  cancelOverwrite(): void {
    this.conflicts = []
    this.phase = 'editing'
  }

  /** Shows the first written file in the system's file manager. */
  async reveal(): Promise<void> {
    if (this.written.length === 0) return
    try {
      await this.#backend.call('revealInFolder', { path: this.written[0] })
    } catch (e) {
      this.error = errorMessage(e)
    }
  }

  async #write(overwrite: ExportRequest['overwrite']): Promise<void> {
    this.phase = 'exporting'
    this.progress = 0
    const taskId = this.#backend.taskId('export')
    this.#taskId = taskId
    const off = this.#backend.onProgress(taskId, (p) => (this.progress = p.fraction))
    try {
      const outcome = await this.#backend.call('exportStems', {
        ...this.request(overwrite),
        taskId,
      })
      if (outcome.status === 'exists') {
        // a file appeared since the plan: ask again
        this.conflicts = outcome.files.filter((f) => f.exists).map((f) => f.path)
        this.phase = 'confirm-overwrite'
        return
      }
      this.written = outcome.files.map((f) => f.path)
      this.conflicts = []
      this.progress = 1
      this.phase = 'done'
    } finally {
      off()
      this.#taskId = null
    }
  }
}
