/**
 * Fuzzes every reader of files from elsewhere (issue 16): WAV / RF64, FLAC, MP3, Ogg Vorbis and
 * Opus through decodeAudioFile (the CLI's and the app's entry point, with the codecs behind it),
 * and `.unweave` projects through openProject. Cases are mutated and truncated copies of valid
 * files and structured hostile files (bench/fuzz-cases.ts), made from a fixed seed.
 *
 *   npm run fuzz -- [--seconds N] [--cases N] [--seed S] [--target wav|flac|mp3|ogg|project|all]
 *                   [--case-limit-s S] [--json]
 *   npm run fuzz -- --replay FILE        one file, as the fuzzer runs it
 *   npm run fuzz -- --self-test          a reader that misbehaves on purpose: are the verdicts right?
 *
 * Each case runs in a child process (one, reused) that reads the file as the CLI does and reports
 * the outcome and the case's peak resident memory (VmHWM, reset before each case). Outcomes:
 * accepted (decoded / opened), rejected (the project's coded error: a clear InputError), and the
 * bugs: crash (any other error, or the child died), invalid (accepted, but the audio breaks the
 * decoder's promises: 1-8 equal channels, finite samples), hang (over the per-case limit: killed),
 * memory (a peak over 1 GiB; the child is killed at 1.5 GiB). Each bug's input is written to
 * test-results/fuzz/ with a note of how it was made. Exit 1 if there is any bug.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { basename, extname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeAudioFile, openProject } from '../src/node/index'
import { InputError, isUnweaveError } from '../src/shared/errors'
import { hostileCases, makeCase, type FuzzCase } from './fuzz-cases'
import { EXT, makeSeeds, TARGETS, type Target } from './fuzz-seeds'

const OUTCOMES = ['accepted', 'rejected', 'crash', 'invalid', 'hang', 'memory'] as const
type Outcome = (typeof OUTCOMES)[number]
const BUGS: Outcome[] = ['crash', 'invalid', 'hang', 'memory']
const MiB = 2 ** 20
/** A case's peak over this is a bug. */
const PEAK_LIMIT = 1024 * MiB
/** The child is killed past this resident size (a bound on what a bad case takes from the machine). */
const KILL_RSS = 1536 * MiB

interface Result {
  outcome: Outcome
  message: string
  ms: number
  peak: number
}

// ---- the child: reads one file per message, as the CLI does ----

function vmHwm(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
  return m ? Number(m[1]) * 1024 : process.resourceUsage().maxRSS * 1024
}

/** Why decoded audio breaks the decoder's promises, or undefined. */
function invalidAudio(a: Awaited<ReturnType<typeof decodeAudioFile>>): string | undefined {
  const n = a.channels[0]?.length ?? 0
  if (a.channels.length < 1 || a.channels.length > 8) return `${a.channels.length} channels`
  if (!(a.sampleRate >= 1000 && a.sampleRate <= 768000)) return `sample rate ${a.sampleRate}`
  if (n === 0) return 'no frames'
  if (a.channels.some((c) => c.length !== n)) return 'channels of unequal length'
  if (Math.abs(a.durationSec - n / a.sampleRate) > 1e-6)
    return `duration ${a.durationSec} s for ${n} frames`
  for (const c of a.channels)
    for (let i = 0; i < c.length; i++)
      if (!Number.isFinite(c[i]!)) return `a non-finite sample at ${i}`
  return undefined
}

/** The fuzzer's own check (`--self-test`): a reader that misbehaves as the file's name says. */
const SELF_TEST: Record<string, Outcome> = {
  accept: 'accepted',
  reject: 'rejected',
  throw: 'crash',
  exit: 'crash',
  uncaught: 'crash',
  hang: 'hang',
  grow: 'memory',
}

async function misbehave(how: string): Promise<void> {
  if (how === 'reject') throw new InputError('self-test: refused')
  if (how === 'throw') throw new TypeError('self-test: a bug')
  if (how === 'exit') process.exit(3)
  if (how === 'uncaught')
    setTimeout(() => {
      throw new Error('self-test: thrown from a timer')
    })
  if (how === 'uncaught' || how === 'hang') await new Promise(() => undefined)
  if (how === 'grow') Buffer.alloc(1100 * MiB, 1)
}

async function readOne(
  target: Target | 'self-test',
  file: string,
): Promise<Omit<Result, 'ms' | 'peak'>> {
  try {
    if (target === 'self-test') {
      await misbehave(basename(file))
      return { outcome: 'accepted', message: '' }
    }
    if (target === 'project') {
      await openProject(file, { editor: true })
      return { outcome: 'accepted', message: '' }
    }
    const a = await decodeAudioFile(file)
    const bad = invalidAudio(a)
    return bad
      ? { outcome: 'invalid', message: bad }
      : { outcome: 'accepted', message: `${a.format} ${a.channels.length} ch ${a.sampleRate} Hz` }
  } catch (e) {
    const message = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)
    return { outcome: isUnweaveError(e) ? 'rejected' : 'crash', message }
  }
}

function child(): void {
  const fatal = (e: unknown): void => {
    process.send?.({
      outcome: 'crash',
      message: `uncaught: ${String((e as Error)?.stack ?? e)}`,
      ms: 0,
      peak: vmHwm(),
    })
    process.exit(70)
  }
  process.on('uncaughtException', fatal)
  process.on('unhandledRejection', fatal)
  process.on('message', (m: { target: Target | 'self-test'; file: string }) => {
    void (async () => {
      try {
        writeFileSync('/proc/self/clear_refs', '5') // resets VmHWM (Linux)
      } catch {
        // elsewhere the peak is the process's
      }
      const t = performance.now()
      const r = await readOne(m.target, m.file)
      process.send?.({ ...r, ms: performance.now() - t, peak: vmHwm() } satisfies Result)
    })()
  })
}

// ---- the parent: makes the cases, runs them in the child, counts ----

class Runner {
  #child?: ChildProcess
  #stderr = ''
  constructor(private readonly limitMs: number) {}

  #spawn(): ChildProcess {
    const c = fork(fileURLToPath(import.meta.url), ['--child'], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    })
    c.stderr!.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-2000)
    })
    return c
  }

  /** Runs one file in the child; a hang or an over-size child is killed and replaced. */
  run(target: Target | 'self-test', file: string): Promise<Result> {
    const c = (this.#child ??= this.#spawn())
    this.#stderr = ''
    const t = performance.now()
    return new Promise((done) => {
      let settled = false
      const finish = (r: Result, kill: boolean): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        clearInterval(watch)
        c.off('message', onMessage)
        c.off('exit', onExit)
        if (kill) {
          c.kill('SIGKILL')
          this.#child = undefined
        }
        done(r)
      }
      const onMessage = (r: Result): void => {
        const over = r.peak > PEAK_LIMIT && (r.outcome === 'accepted' || r.outcome === 'rejected')
        const message = over ? `peak ${(r.peak / MiB).toFixed(0)} MB (${r.outcome})` : r.message
        finish(
          { ...r, outcome: over ? 'memory' : r.outcome, message },
          r.outcome === 'crash' && r.message.startsWith('uncaught'),
        )
      }
      const onExit = (code: number | null, signal: string | null): void => {
        this.#child = undefined
        finish(
          {
            outcome: 'crash',
            message: `the reader's process died (exit ${code}, ${signal ?? 'no signal'}): ${this.#stderr.trim().slice(-400)}`,
            ms: performance.now() - t,
            peak: 0,
          },
          false,
        )
      }
      const timer = setTimeout(
        () =>
          finish(
            {
              outcome: 'hang',
              message: `no verdict within ${this.limitMs / 1000} s`,
              ms: performance.now() - t,
              peak: 0,
            },
            true,
          ),
        this.limitMs,
      )
      const watch = setInterval(() => {
        let rss = 0
        try {
          const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${c.pid}/status`, 'utf8'))
          rss = m ? Number(m[1]) * 1024 : 0
        } catch {
          return
        }
        if (rss > KILL_RSS)
          finish(
            {
              outcome: 'memory',
              message: `resident memory ${(rss / MiB).toFixed(0)} MB: killed`,
              ms: performance.now() - t,
              peak: rss,
            },
            true,
          )
      }, 20)
      c.on('message', onMessage)
      c.on('exit', onExit)
      c.send({ target, file })
    })
  }

  close(): void {
    this.#child?.kill('SIGKILL')
    this.#child = undefined
  }
}

interface Args {
  seconds: number
  cases: number
  seed: number
  targets: Target[]
  limitMs: number
  json: boolean
  replay?: string
  selfTest?: boolean
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    seconds: 60,
    cases: Infinity,
    seed: 1,
    targets: [...TARGETS],
    limitMs: 20_000,
    json: false,
  }
  let secondsGiven = false
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!
    const v = argv[i + 1]
    const num = (): number => {
      const x = Number(v)
      if (!Number.isFinite(x) || x < 0) throw new Error(`${k} needs a number, not '${v}'`)
      i++
      return x
    }
    if (k === '--seconds') {
      a.seconds = num()
      secondsGiven = true
    } else if (k === '--cases') a.cases = Math.floor(num())
    else if (k === '--seed') a.seed = Math.floor(num())
    else if (k === '--case-limit-s') a.limitMs = num() * 1000
    else if (k === '--json') a.json = true
    else if (k === '--replay') a.replay = argv[++i]
    else if (k === '--self-test') a.selfTest = true
    else if (k === '--target') {
      i++
      if (v === 'all') a.targets = [...TARGETS]
      else if ((TARGETS as readonly string[]).includes(v ?? '')) a.targets = [v as Target]
      else throw new Error(`--target is one of ${TARGETS.join(', ')}, all; not '${v}'`)
    } else throw new Error(`unknown option ${k}`)
  }
  if (a.cases !== Infinity && !secondsGiven) a.seconds = Infinity
  return a
}

interface Tally {
  counts: Record<Outcome, number>
  peak: number
  slowest: number
}

async function main(args: Args): Promise<number> {
  const runner = new Runner(args.limitMs)
  if (args.selfTest) {
    const verdicts: { how: string; want: Outcome; got: Outcome }[] = []
    for (const [how, want] of Object.entries(SELF_TEST))
      verdicts.push({ how, want, got: (await runner.run('self-test', how)).outcome })
    runner.close()
    console.log(JSON.stringify(verdicts))
    return verdicts.every((v) => v.got === v.want) ? 0 : 1
  }
  if (args.replay) {
    const file = resolve(args.replay)
    const target: Target = extname(file) === '.unweave' ? 'project' : 'wav'
    const r = await runner.run(target, file)
    runner.close()
    console.log(
      `${r.outcome} in ${(r.ms / 1000).toFixed(3)} s, peak ${(r.peak / MiB).toFixed(0)} MB${r.message ? `: ${r.message}` : ''}`,
    )
    return BUGS.includes(r.outcome) ? 1 : 0
  }
  const dir = mkdtempSync(join(tmpdir(), 'unweave-fuzz-'))
  const outDir = resolve('test-results/fuzz')
  try {
    mkdirSync(join(dir, 'seeds'))
    const seeds = await makeSeeds(join(dir, 'seeds'))
    const targets = args.targets.filter((t) => seeds.files[t].length > 0)
    const hostile = hostileCases(seeds)
    const tally = Object.fromEntries(
      targets.map((t) => [
        t,
        { counts: Object.fromEntries(OUTCOMES.map((o) => [o, 0])), peak: 0, slowest: 0 } as Tally,
      ]),
    ) as Record<Target, Tally>
    const bugs: {
      target: Target
      index: number
      outcome: Outcome
      what: string
      message: string
      file: string
    }[] = []
    let peak = { bytes: 0, at: '' }
    let slowest = { ms: 0, at: '' }
    const log = (s: string): void =>
      void (args.json ? process.stderr : process.stdout).write(`${s}\n`)
    log(
      `fuzz: seed ${args.seed}, targets ${targets.join(' ')}, ${Number.isFinite(args.seconds) ? `${args.seconds} s` : `${args.cases} cases`}, per-case limit ${args.limitMs / 1000} s, load average ${loadavg()[0]!.toFixed(2)}`,
    )
    log(
      `seeds: ${targets.map((t) => `${t} ${seeds.files[t].length}`).join(', ')}${seeds.skipped.length ? `; skipped: ${seeds.skipped.join('; ')}` : ''}`,
    )
    const t0 = performance.now()
    let nextReport = 60_000
    let index = 0
    for (; index < args.cases && performance.now() - t0 < args.seconds * 1000; index++) {
      const target = targets[index % targets.length]!
      const c: FuzzCase = makeCase(seeds, target, args.seed, index, hostile)
      const file = join(dir, `case.${EXT[target]}`)
      writeFileSync(file, c.bytes)
      const r = await runner.run(target, file)
      const outcome = r.outcome
      const at = `${target} #${index}: ${c.what.slice(0, 120)}`
      const tt = tally[target]
      tt.counts[outcome]++
      tt.peak = Math.max(tt.peak, r.peak)
      tt.slowest = Math.max(tt.slowest, r.ms)
      if (r.peak > peak.bytes) peak = { bytes: r.peak, at }
      if (r.ms > slowest.ms) slowest = { ms: r.ms, at }
      if (BUGS.includes(outcome)) {
        mkdirSync(outDir, { recursive: true })
        const name = `seed${args.seed}-${target}-${index}.${EXT[target]}`
        writeFileSync(join(outDir, name), c.bytes)
        writeFileSync(
          join(outDir, `${name}.txt`),
          [
            `${outcome}: ${r.message}`,
            `made as: ${c.what}`,
            `replay: npm run fuzz -- --replay test-results/fuzz/${name}`,
            `made again by: npm run fuzz -- --seed ${args.seed} --cases ${index + 1}${args.targets.length === 1 ? ` --target ${target}` : ''}`,
          ].join('\n'),
        )
        bugs.push({
          target,
          index,
          outcome,
          what: c.what,
          message: r.message.slice(0, 300),
          file: `test-results/fuzz/${name}`,
        })
        log(`BUG ${outcome} ${at}\n    ${r.message.slice(0, 300)}`)
      }
      if (performance.now() - t0 > nextReport) {
        log(`${(nextReport / 1000).toFixed(0)} s: ${index + 1} cases, ${bugs.length} bugs`)
        nextReport += 60_000
      }
    }
    runner.close()
    const secs = (performance.now() - t0) / 1000
    const mb = (b: number): string => (b / MiB).toFixed(0)
    log(`\ncases tried: ${index} in ${secs.toFixed(0)} s (${(index / secs).toFixed(1)} per s)`)
    log(`| target | cases | ${OUTCOMES.join(' | ')} | peak RSS (MB) | slowest (s) |`)
    log(`|---|${'---|'.repeat(OUTCOMES.length + 3)}`)
    for (const t of targets) {
      const x = tally[t]
      const n = OUTCOMES.reduce((s, o) => s + x.counts[o], 0)
      log(
        `| ${t} | ${n} | ${OUTCOMES.map((o) => x.counts[o]).join(' | ')} | ${mb(x.peak)} | ${(x.slowest / 1000).toFixed(2)} |`,
      )
    }
    log(
      `peak memory: ${mb(peak.bytes)} MB (${peak.at}); the limit is ${mb(PEAK_LIMIT)} MB, Node itself included`,
    )
    log(`slowest case: ${(slowest.ms / 1000).toFixed(2)} s (${slowest.at})`)
    log(
      bugs.length
        ? `bugs: ${bugs.length} (crash, invalid, hang, memory); inputs in test-results/fuzz/`
        : 'bugs: none (no crash, no invalid result, no hang, no peak over 1 GB)',
    )
    if (args.json)
      process.stdout.write(
        `${JSON.stringify({ seed: args.seed, cases: index, seconds: secs, targets: Object.fromEntries(targets.map((t) => [t, tally[t]])), peakBytes: peak.bytes, slowestMs: slowest.ms, bugs })}\n`,
      )
    return bugs.length ? 1 : 0
  } finally {
    runner.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv.includes('--child')) child()
else {
  let args: Args
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (e) {
    console.error(`fuzz: ${(e as Error).message}`)
    process.exit(2)
  }
  process.exitCode = await main(args)
}
