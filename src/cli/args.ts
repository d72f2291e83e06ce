/** Command-line parsing for `unweave`: turns argv into a typed command or a UsageError (exit 2). */
import { parseArgs } from 'node:util'
import type { StemBits, StemFormat, DeviceChoice } from '../node/index'
import type { MaskMode } from '../engine/index'
import { UsageError } from '../shared/errors'
import { LIMITS } from '../shared/ipc'

/** Largest number of sources Unweave separates into (the app's cap too). */
export const MAX_SOURCES = LIMITS.maxSources

/** Settings of `unweave separate`. */
export interface SeparateCommand {
  command: 'separate'
  input: string
  sources: number | 'auto'
  /** Output folder; default the input's folder. */
  out?: string
  format: StemFormat
  bits: StemBits
  mask: MaskMode
  /** The stereo cue for a two-channel input: false (off), true (the model's weight) or a weight. */
  stereoCue: boolean | number
  model?: string
  device: DeviceChoice
  force: boolean
  json: boolean
}

/** Settings of `unweave separate --project <file.unweave>`: export an edited project's stems. */
export interface ProjectExportCommand {
  command: 'separate-project'
  project: string
  /** Output folder; default the recording's folder. */
  out?: string
  format: StemFormat
  bits: StemBits
  force: boolean
  json: boolean
}

/** Any parsed command line. */
export type Command =
  | SeparateCommand
  | ProjectExportCommand
  | { command: 'devices'; json: boolean }
  | { command: 'help'; topic?: 'separate' | 'devices' }
  | { command: 'version' }

export const HELP = `unweave: take a recording apart into its sources (deep clustering), from the command line.

Usage:
  unweave separate <input> --sources <N|auto> [options]
  unweave separate --project <file.unweave> [--out DIR] [--format ..] [--bits ..] [--force] [--json]
  unweave devices [--json]
  unweave --help | --version

Commands:
  separate   write one stem per source: <out>/<input name>.source-<k>.<ext>, k from 1
  devices    which inference devices (onnxruntime execution providers) load here, and why others do not

Options of separate:
  --sources <N|auto>   number of sources, 1-${MAX_SOURCES}, or auto to estimate it (required)
  --out DIR            folder for the stems (default: the input's folder; created if missing)
  --format wav|flac    container of the stems (default wav)
  --bits 16|24|32f     sample format (default 24; 32f is WAV only and keeps the stems summing to the input)
  --mask hard|soft     binary or soft masks (default soft)
  --stereo-cue on|off|W  for a stereo input, let where a sound sits between the speakers (the
                       left/right level difference) count beside the model's embeddings: on uses
                       the model's weight, W (0-100) sets it (default off; see models/<name>.md)
  --model PATH         model .json (its .onnx beside it); default models/unweave-dc.json
  --device D           auto|cpu|cuda|directml|coreml (default auto: accelerator if it loads, else CPU)
  --force              replace existing stems, only once every stem of the run is ready (a failure
                       leaves the old files as they were)
  --json               print one JSON object with the result on stdout
  --project FILE       export the stems of an edited project (.unweave) instead of separating an input:
                       its masks with the edits applied, the same bytes as the app's export
                       (--sources, --mask, --model and --device do not apply; --out defaults to the
                       recording's folder)

Inputs: WAV (8/16/24/32-bit int, 32/64-bit float, RF64), FLAC, MP3, Ogg Vorbis, Opus; 8-192 kHz; 1-8 channels.

Examples:
  unweave separate song.mp3 --sources 3
      three stems beside the input: song.source-1.wav, song.source-2.wav, song.source-3.wav
  unweave separate live.flac --sources auto --out stems --json
      let the model suggest the count (1-${MAX_SOURCES}); the JSON carries the suggestion, its
      confidence and the score of every count
  unweave separate duet.wav -n 2 --stereo-cue on --format flac --bits 16
      two sources, using where each sits between the speakers; 16-bit FLAC stems
  unweave separate --project song.unweave --out fixed
      the stems of a project edited in the app, the same bytes as the app's export
  unweave devices
      which inference devices load on this machine

What the default model can and cannot do, measured: models/unweave-dc.md (in the package). In
short: instruments separate, at about half of what an ideal mask gives on sounds it never heard;
two people talking and real band recordings are not separated (no better than the mixture);
--sources auto picks the right count about half the time. Listen before relying on a stem.

Exit codes: 0 ok, 2 usage, 3 unreadable or invalid input, 4 model problem, 5 output exists or cannot be written,
130 interrupted (Ctrl-C, SIGTERM, SIGHUP), 1 an unexpected error (a bug).
`

/** The options `unweave` knows (node:util parseArgs). */
const OPTIONS = {
  sources: { type: 'string', short: 'n' },
  out: { type: 'string', short: 'o' },
  format: { type: 'string' },
  bits: { type: 'string' },
  mask: { type: 'string' },
  'stereo-cue': { type: 'string' },
  model: { type: 'string' },
  device: { type: 'string' },
  force: { type: 'boolean', short: 'f' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
  project: { type: 'string', short: 'p' },
} as const

/** Edit distance (insertions, deletions, substitutions) between two short words. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = row
  }
  return prev[b.length]
}

/** The known word nearest to `word` when it is a likely typo (a prefix, or a third or fewer edits). */
export function didYouMean(word: string, known: readonly string[]): string | undefined {
  const w = word.toLowerCase()
  let best: string | undefined
  let bestD = Infinity
  for (const k of known) {
    const d = k.startsWith(w) && w.length >= 2 ? 0.5 : editDistance(w, k)
    if (d < bestD) {
      bestD = d
      best = k
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(w.length / 3)) ? best : undefined
}

function choice<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, not '${value}'`)
}

/** --stereo-cue on|off|W -> true | false | W (a weight in 0..100; 0 is off). */
export function parseStereoCue(value: string | undefined): boolean | number {
  if (value === undefined || value === 'off') return false
  if (value === 'on') return true
  const w = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN
  if (!(w >= 0 && w <= 100))
    throw new UsageError(`--stereo-cue must be on, off or a weight from 0 to 100, not '${value}'`)
  return w === 0 ? false : w
}

/** Parses argv (without node and script). Throws UsageError with a message that says what to fix. */
export function parseCommandLine(argv: string[]): Command {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: OPTIONS,
    })
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '')
    const unknown = /^Unknown option '--([^'=]+)/.exec(msg)?.[1]
    const near = unknown !== undefined ? didYouMean(unknown, Object.keys(OPTIONS)) : undefined
    const hint = near ? ` Did you mean --${near}?` : ''
    throw new UsageError(`${msg}.${hint} Run 'unweave --help' for the options.`, { cause: e })
  }
  const { values: v, positionals } = parsed
  const [cmd, ...rest] = positionals
  if (v.version) return { command: 'version' }
  if (cmd === 'help')
    return {
      command: 'help',
      topic: rest[0] === 'separate' || rest[0] === 'devices' ? rest[0] : undefined,
    }
  if (v.help)
    return { command: 'help', topic: cmd === 'separate' || cmd === 'devices' ? cmd : undefined }
  if (cmd === undefined)
    throw new UsageError(
      `no command given. Run 'unweave --help'; for example: unweave separate song.wav --sources 3`,
    )

  if (cmd === 'devices') {
    if (rest.length) throw new UsageError(`'devices' takes no arguments, got '${rest.join(' ')}'`)
    for (const k of [
      'sources',
      'out',
      'format',
      'bits',
      'mask',
      'stereo-cue',
      'model',
      'device',
      'force',
      'project',
    ] as const) {
      if (v[k] !== undefined) throw new UsageError(`--${k} does not apply to 'devices'`)
    }
    return { command: 'devices', json: !!v.json }
  }
  if (cmd !== 'separate') {
    const near = didYouMean(cmd, ['separate', 'devices', 'help'])
    throw new UsageError(
      `unknown command '${cmd}'.${near ? ` Did you mean '${near}'?` : ''} Commands: separate, devices. Run 'unweave --help'.`,
    )
  }

  if (v.project !== undefined) {
    if (v.project === '') throw new UsageError('--project needs a project file (.unweave)')
    if (rest.length)
      throw new UsageError(
        `give either an input file or --project, not both: --project exports the project's own recording`,
      )
    for (const k of ['sources', 'mask', 'stereo-cue', 'model', 'device'] as const)
      if (v[k] !== undefined)
        throw new UsageError(
          `--${k} does not apply with --project: the project holds its masks and edits`,
        )
    const { format, bits } = stemFileFormat(v)
    if (v.out !== undefined && v.out === '') throw new UsageError('--out needs a folder')
    return {
      command: 'separate-project',
      project: v.project,
      out: v.out,
      format,
      bits,
      force: !!v.force,
      json: !!v.json,
    }
  }
  if (rest.length === 0)
    throw new UsageError(
      `'separate' needs an input file: unweave separate <input> --sources <N|auto>`,
    )
  if (rest.length > 1)
    throw new UsageError(
      `'separate' takes one input file, got ${rest.length}: ${rest.map((r) => `'${r}'`).join(' ')}`,
    )
  if (v.sources === undefined) {
    throw new UsageError(
      `--sources is required: give the number of sources (1-${MAX_SOURCES}) or 'auto'`,
    )
  }
  let sources: number | 'auto'
  if (v.sources === 'auto') sources = 'auto'
  else if (/^\d+$/.test(v.sources) && +v.sources >= 1 && +v.sources <= MAX_SOURCES)
    sources = +v.sources
  else
    throw new UsageError(
      `--sources must be a whole number from 1 to ${MAX_SOURCES} or 'auto', not '${v.sources}'`,
    )

  const { format, bits } = stemFileFormat(v)
  const mask = choice('mask', v.mask, ['hard', 'soft'] as const, 'soft')
  const stereoCue = parseStereoCue(v['stereo-cue'])
  const device = choice(
    'device',
    v.device,
    ['auto', 'cpu', 'cuda', 'directml', 'coreml'] as const,
    'auto',
  )
  if (v.out !== undefined && v.out === '') throw new UsageError('--out needs a folder')
  if (v.model !== undefined && v.model === '') throw new UsageError('--model needs a path')
  return {
    command: 'separate',
    input: rest[0],
    sources,
    out: v.out,
    format,
    bits,
    mask,
    stereoCue,
    model: v.model,
    device,
    force: !!v.force,
    json: !!v.json,
  }
}

/** --format and --bits: the container (default wav) and sample format (default 24) of the stems. */
function stemFileFormat(v: { format?: string; bits?: string }): {
  format: StemFormat
  bits: StemBits
} {
  const format = choice('format', v.format, ['wav', 'flac'] as const, 'wav')
  const bitsText = choice('bits', v.bits, ['16', '24', '32f'] as const, '24')
  const bits: StemBits = bitsText === '32f' ? '32f' : bitsText === '16' ? 16 : 24
  if (format === 'flac' && bits === '32f')
    throw new UsageError(
      `FLAC cannot hold 32-bit float: use --bits 16 or 24 with --format flac, or --format wav for 32f`,
    )
  return { format, bits }
}
