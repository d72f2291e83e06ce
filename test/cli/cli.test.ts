/**
 * The `unweave` command end to end, as a user runs it (node bin/unweave.js …): usage, devices, a
 * generated 3-source mixture separated into stems that sum to the input, and every bad input,
 * existing output and unwritable folder with its exit code, message, and no partial file left.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeAudioFile } from '../../src/node/audio-decode'
import { openStemWriter } from '../../src/node/audio-encode'
import { BIN, cli, ROOT, separate, TINY } from '../helpers/cli'
import type { SeparateReport as Report } from '../../src/cli/separate'
import {
  flacTool,
  hasTool,
  makeTempDir,
  wavBytes,
  writeFloatWav,
  pcm16StereoWav,
} from '../helpers/audio-fixtures'

const REAL = join(ROOT, 'models/unweave-dc.json')
const tmp = makeTempDir('unweave-cli-')
afterAll(() => tmp.cleanup())
const fresh = tmp.fresh

/** Files in a folder, hidden ones (temp files) included; [] if it does not exist. */
const ls = (d: string): string[] => (existsSync(d) ? readdirSync(d).sort() : [])

/** A 3-source stereo mixture (chord, noise bursts, low pulse) written as 16-bit WAV (or FLAC). */
async function makeMixture(
  path: string,
  sec: number,
  rate = 44100,
  format: 'wav' | 'flac' = 'wav',
): Promise<void> {
  const frames = Math.round(sec * rate)
  let seed = 99
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1
  const L = new Float32Array(frames)
  const R = new Float32Array(frames)
  for (let i = 0; i < frames; i++) {
    const t = i / rate
    const chord = 0.2 * (Math.sin(2 * Math.PI * 440 * t) + Math.sin(2 * Math.PI * 554.37 * t))
    const noise = (Math.floor(t * 2) % 2 === 0 ? 0.15 : 0.02) * rnd()
    const pulse =
      0.25 * Math.sign(Math.sin(2 * Math.PI * 110 * t)) * (Math.floor(t * 3) % 3 === 0 ? 1 : 0.3)
    L[i] = chord + 0.7 * noise + pulse
    R[i] = 0.8 * chord + noise + 0.6 * pulse
  }
  const w = await openStemWriter(path, {
    format,
    bits: 16,
    sampleRate: rate,
    channels: 2,
    force: true,
  })
  for (let i = 0; i < frames; i += 65536)
    await w.write([L.subarray(i, i + 65536), R.subarray(i, i + 65536)])
  await w.commit()
}

/** Checks the stems of a --json run: count, names, rate, channels, length, and that they sum to the input. */
async function checkStems(
  report: Report,
  input: string,
  outDir: string,
  ext: string,
  k: number,
  sumTolerance?: number,
): Promise<void> {
  const mix = await decodeAudioFile(input)
  expect(report.input).toBe(resolve(input))
  expect(report.sampleRate).toBe(mix.sampleRate)
  expect(report.channels).toBe(mix.channels.length)
  expect(report.durationSec).toBeCloseTo(mix.durationSec, 3)
  expect(report.sources).toHaveLength(k)
  expect(Object.keys(report.timingsSec).sort()).toEqual([
    'cluster',
    'decode',
    'embed',
    'encode',
    'synthesize',
    'total',
  ])
  const base = input.replace(/^.*\//, '').replace(/\.[^.]+$/, '')
  expect(ls(outDir).filter((f) => f.startsWith(`${base}.source-`))).toEqual(
    report.sources.map((s) => `${base}.source-${s.index}.${ext}`),
  )
  let shares = 0
  const sum = mix.channels.map((c) => new Float64Array(c.length))
  for (const [i, s] of report.sources.entries()) {
    expect(s.index).toBe(i + 1)
    expect(s.path).toBe(join(outDir, `${base}.source-${i + 1}.${ext}`))
    shares += s.energyShare
    const stem = await decodeAudioFile(s.path)
    expect(stem.sampleRate).toBe(mix.sampleRate)
    expect(stem.channels.length).toBe(mix.channels.length)
    expect(stem.channels[0].length).toBe(mix.channels[0].length)
    stem.channels.forEach((c, ci) => c.forEach((v, j) => (sum[ci][j] += v)))
  }
  expect(shares).toBeCloseTo(1, 3)
  if (sumTolerance !== undefined) {
    let worst = 0
    for (let c = 0; c < sum.length; c++)
      for (let j = 0; j < sum[c].length; j++)
        worst = Math.max(worst, Math.abs(sum[c][j] - mix.channels[c][j]))
    expect(worst, 'max |sum of stems - input|').toBeLessThanOrEqual(sumTolerance)
  }
}

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-cli.mjs'), '--quiet'], {
    cwd: ROOT,
    stdio: 'inherit',
  })
})

describe('usage', () => {
  it('--help prints the interface and exits 0', () => {
    const r = cli('--help')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/unweave separate <input> --sources <N\|auto>/)
    expect(r.stdout).toMatch(/--bits 16\|24\|32f/)
    expect(r.stdout).toMatch(/Exit codes: 0 ok, 2 usage, 3 .*, 4 .*, 5 /)
    expect(r.stdout).toMatch(/Examples:\n {2}unweave separate song\.mp3 --sources 3\n/)
    expect(r.stdout).toMatch(/unweave separate live\.flac --sources auto --out stems --json/)
    // what the model cannot do, and where it is measured: the card must exist in the package
    const card = /What the default model can and cannot do, measured: (models\/[\w-]+\.md)/.exec(
      r.stdout,
    )
    expect(card, r.stdout).not.toBeNull()
    expect(existsSync(join(ROOT, card![1]!))).toBe(true)
    expect(r.stdout).toMatch(/two people talking and real band recordings are not separated/)
  })

  it("npx unweave prints no npm warning but the notice about .npmrc's ONNX install skip", () => {
    for (const args of [['--version'], ['devices'], ['separate']]) {
      const r = spawnSync('npm', ['exec', '--offline', '--', 'unweave', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, UNWEAVE_MODEL: '' },
      })
      // npm 11 notices the project key that keeps installs offline (README, "GPU inference")
      const others = r.stderr
        .split('\n')
        .filter((l) => !/Unknown (project|env) config "onnxruntime-node-install"/.test(l))
      expect(others.join('\n'), args.join(' ')).not.toMatch(/npm warn/i)
      expect(r.status, args.join(' ')).toBe(args[0] === 'separate' ? 2 : 0)
    }
  })

  const withoutEnv = (...keys: string[]): NodeJS.ProcessEnv =>
    Object.fromEntries(Object.entries(process.env).filter(([k]) => !keys.includes(k)))

  it("onnxruntime-node's install script downloads nothing: .npmrc's skip reaches it (offline installs work)", () => {
    // what npm hands every install script from the project's .npmrc
    const seen = spawnSync(
      'npm',
      ['exec', '--offline', '--', 'node', '-p', 'process.env.npm_config_onnxruntime_node_install'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: withoutEnv('npm_config_onnxruntime_node_install'),
      },
    )
    expect(seen.stdout.trim(), seen.stderr).toBe('skip')
    // the script itself, given that value as a dependency's install sees it: exits at once, no download
    const env = withoutEnv(
      'ONNXRUNTIME_NODE_INSTALL',
      'ONNXRUNTIME_NODE_INSTALL_CUDA',
      'npm_package_json',
    )
    env.npm_config_onnxruntime_node_install = 'skip'
    const script = join(ROOT, 'node_modules/onnxruntime-node/script/install.js')
    const r = spawnSync(process.execPath, [script], {
      cwd: ROOT,
      encoding: 'utf8',
      env,
      timeout: 60_000,
    })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout + r.stderr).toBe('')
  })

  const usage: [string[], RegExp][] = [
    [[], /no command given/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['separate'], /needs an input file/],
    [['separate', 'a.wav'], /--sources is required/],
    [
      ['separate', 'a.wav', '--sources', '0'],
      /--sources must be a whole number from 1 to 8 or 'auto', not '0'/,
    ],
    [['separate', 'a.wav', '--sources', 'many'], /--sources must be/],
    [
      ['separate', 'a.wav', '--sources', '2', '--format', 'mp3'],
      /--format must be one of wav, flac, not 'mp3'/,
    ],
    [['separate', 'a.wav', '--sources', '2', '--bits', '8'], /--bits must be one of 16, 24, 32f/],
    [
      ['separate', 'a.wav', '--sources', '2', '--format', 'flac', '--bits', '32f'],
      /FLAC cannot hold 32-bit float/,
    ],
    [
      ['separate', 'a.wav', '--sources', '2', '--device', 'tpu'],
      /--device must be one of auto, cpu, cuda, directml, coreml/,
    ],
    [
      ['separate', 'a.wav', '--sources', '2', '--mask', 'fuzzy'],
      /--mask must be one of hard, soft/,
    ],
    [['separate', 'a.wav', '--sources', '2', '--loud'], /Unknown option '--loud'\. Run/],
    [
      ['separate', 'a.wav', '--source', '3'],
      /Unknown option '--source'\. Did you mean --sources\?/,
    ],
    [['separate', 'a.wav', '-n', '2', '--foramt', 'flac'], /Did you mean --format\?/],
    [['seperate', 'a.wav', '-n', '2'], /unknown command 'seperate'\. Did you mean 'separate'\?/],
    [['separate', 'a.wav', '--sources', '9'], /from 1 to 8 or 'auto', not '9'/],
    [['separate', 'a.wav', 'b.wav', '--sources', '2'], /takes one input file, got 2/],
  ]
  for (const [args, re] of usage) {
    it(`exit 2: ${args.join(' ') || '(nothing)'}`, () => {
      const r = cli(...args)
      expect(r.status).toBe(2)
      expect(r.stderr).toMatch(re)
      expect(r.stdout).toBe('')
    })
  }
})

describe('devices', () => {
  it('lists the providers, cpu available, reasons for the others', () => {
    const r = cli('devices')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/cpu\s+available/)
    expect(r.stdout).toMatch(/--device auto uses: \w+/)
    const j = JSON.parse(cli('devices', '--json').stdout) as {
      devices: { device: string; available: boolean; reason?: string }[]
    }
    expect(j.devices.find((d) => d.device === 'cpu')?.available).toBe(true)
    for (const d of j.devices) if (!d.available) expect(d.reason).toBeTruthy()
  })
})

describe('separate: plumbing with the tiny random model (no quality claims)', () => {
  let input: string
  beforeAll(async () => {
    input = join(fresh(), 'mix.wav')
    await makeMixture(input, 6)
  })

  it('3 sources, 32f: stems have the input rate, channels and length, and sum to the input', async () => {
    const out = join(fresh(), 'stems')
    const r = cli(
      'separate',
      input,
      '--sources',
      '3',
      '--bits',
      '32f',
      '--out',
      out,
      '--model',
      TINY,
      '--device',
      'cpu',
      '--json',
    )
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout.trim().split('\n')).toHaveLength(1)
    const report = JSON.parse(r.stdout) as Report
    expect(report.device).toBe('cpu')
    expect(report.stereoCue).toBe(0)
    await checkStems(report, input, out, 'wav', 3, 1e-4)
    expect(r.stderr).toBe('') // no progress bar when stderr is not a terminal
  })

  it('--stereo-cue on: the stereo input is analysed with the cue; the stems still sum to it', async () => {
    const out = join(fresh(), 'stems')
    const args = ['separate', input, '--sources', '2', '--bits', '32f', '--out', out]
    const r = cli(...args, '--model', TINY, '--device', 'cpu', '--stereo-cue', 'on', '--json')
    expect(r.status, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as Report
    expect(report.channels).toBe(2)
    expect(report.stereoCue).toBe(2) // the fixture has no stereoCue in its metadata: the default
    await checkStems(report, input, out, 'wav', 2, 1e-4)
    const h = cli(...args, '--model', TINY, '--stereo-cue', '0.5', '--force')
    expect(h.status, h.stderr).toBe(0)
    expect(h.stdout).toMatch(/soft masks, stereo cue 0\.5, device/)
  })

  it('auto, FLAC 24, hard masks: flac -t passes on every stem', async () => {
    const out = fresh()
    const r = cli(
      'separate',
      input,
      '--sources',
      'auto',
      '--format',
      'flac',
      '--mask',
      'hard',
      '--out',
      out,
      '--model',
      TINY,
      '--json',
    )
    expect(r.status, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as Report
    expect(report.sources.length).toBeGreaterThanOrEqual(1)
    // the suggestion, its confidence and the score of every count up to the cap (8)
    const sg = report.suggestion!
    expect(sg.count).toBe(report.sources.length)
    expect(sg.confidence).toBeGreaterThan(0)
    expect(sg.confidence).toBeLessThanOrEqual(1)
    expect(sg.scores.map((x) => x.sources)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    const best = Math.max(...sg.scores.map((x) => x.score))
    expect(sg.scores.find((x) => x.sources === sg.count)!.score).toBe(best)
    await checkStems(report, input, out, 'flac', report.sources.length)
    if (hasTool('flac'))
      for (const s of report.sources) expect(flacTool('-t', s.path).status).toBe(0)
  })

  it('default --out is the input folder; the human summary goes to stdout', async () => {
    const d = fresh()
    const local = join(d, 'song.take1.wav')
    writeFileSync(local, readFileSync(input))
    const r = cli('separate', local, '--sources', '2', '--bits', '16', '--model', TINY)
    expect(r.status, r.stderr).toBe(0)
    expect(ls(d)).toEqual(['song.take1.source-1.wav', 'song.take1.source-2.wav', 'song.take1.wav'])
    expect(r.stdout).toMatch(/2 sources, soft masks, device cpu/)
    expect(r.stdout).toMatch(/done in [\d.]+ s \(decode/)
  })

  it('exit 5 before any work when an output exists; --force overwrites', async () => {
    const out = fresh()
    const existing = join(out, 'mix.source-2.wav')
    writeFileSync(existing, 'keep me')
    const r = separate(input, '3', out, TINY)
    expect(r.status).toBe(5)
    expect(r.stderr).toMatch(
      /an output exists already: .*mix\.source-2\.wav\. Use --force to overwrite/,
    )
    expect(ls(out)).toEqual(['mix.source-2.wav'])
    expect(readFileSync(existing, 'utf8')).toBe('keep me')
    // Before any work: even an unreadable input is not looked at, and a missing model not loaded.
    const bad = join(out, 'junk.wav')
    writeFileSync(bad, 'not audio')
    writeFileSync(join(out, 'junk.source-1.wav'), 'x')
    const r2 = separate(bad, 'auto', out, join(out, 'nope.json'))
    expect(r2.status).toBe(5)
    const f = separate(input, '3', out, TINY, '--force')
    expect(f.status, f.stderr).toBe(0)
    expect(ls(out)).toEqual([
      'junk.source-1.wav',
      'junk.wav',
      'mix.source-1.wav',
      'mix.source-2.wav',
      'mix.source-3.wav',
    ])
    expect((await decodeAudioFile(existing)).channels[0].length).toBe(6 * 44100)
  })

  it('Ctrl-C while writing: exit 130 and no file left behind', async () => {
    const run = await interruptWhileWriting('SIGINT')
    if (!run) return
    expect(run.code, run.stderr).toBe(130)
    expect(run.stderr).toMatch(/interrupted/)
    expect(ls(run.out)).toEqual([])
  })
})

describe('inputs that are not regular files, SIGHUP and stale temp files', () => {
  it.skipIf(process.platform === 'win32')(
    'a FIFO and a device as input: exit 3 at once, nothing written',
    () => {
      const d = fresh()
      const fifo = join(d, 'f.wav')
      execFileSync('mkfifo', [fifo])
      for (const [input, re] of [
        [fifo, /is a named pipe \(FIFO\), not an audio file/],
        ['/dev/zero', /is a device, not an audio file/],
      ] as const) {
        const out = join(d, 'out')
        const r = spawnSync(
          process.execPath,
          [BIN, 'separate', input, '--sources', '2', '--out', out, '--model', TINY],
          { encoding: 'utf8', timeout: 30_000 },
        )
        expect(r.signal, 'it did not hang').toBeNull()
        expect(r.status, r.stderr).toBe(3)
        expect(r.stderr).toMatch(re)
        expect(existsSync(out)).toBe(false)
      }
      expect(ls(d)).toEqual(['f.wav'])
    },
  )

  it('SIGHUP while writing (the terminal closed): cleaned up like Ctrl-C', async () => {
    const run = await interruptWhileWriting('SIGHUP')
    if (!run) return
    expect(run.code, run.stderr).toBe(130)
    expect(existsSync(run.out), 'no .part files and no folder left').toBe(false)
  })

  it("stale temp files of killed runs are removed; a live writer's are kept", async () => {
    const d = fresh()
    const input = join(d, 'mix.wav')
    await makeMixture(input, 1)
    const out = join(d, 'out')
    mkdirSync(out)
    const old = (Date.now() - 5 * 60_000) / 1000
    const ancient = (Date.now() - 2 * 3600_000) / 1000
    // pid 2^23 is above Linux's largest pid: that process cannot exist
    const dead = join(out, `.mix.source-1.wav.${2 ** 23}-0123456789ab.part`)
    const legacy = join(out, '.mix.source-2.wav.0123456789ab.part')
    const live = join(out, `.mix.source-1.wav.${process.pid}-00000000beef.part`)
    const foreign = join(out, '.notes.txt.part')
    for (const p of [dead, legacy, live, foreign]) writeFileSync(p, 'partial')
    utimesSync(dead, old, old)
    utimesSync(legacy, ancient, ancient)
    utimesSync(live, old, old)
    utimesSync(foreign, ancient, ancient)
    const r = separate(input, '2', out, TINY)
    expect(r.status, r.stderr).toBe(0)
    expect(ls(out)).toEqual([
      '.mix.source-1.wav.' + process.pid + '-00000000beef.part',
      '.notes.txt.part',
      'mix.source-1.wav',
      'mix.source-2.wav',
    ])
  })
})

describe('truncated FLAC (issue 16)', () => {
  /** The FLAC with STREAMINFO's total-samples field zeroed, as a pipe encoder leaves it. */
  const withoutLength = (flac: Buffer): Buffer => {
    const b = Buffer.from(flac)
    expect(b.toString('latin1', 0, 4)).toBe('fLaC')
    b[8 + 13] = b[8 + 13]! & 0xf0
    b.fill(0, 8 + 14, 8 + 18)
    return b
  }
  let whole: Buffer
  beforeAll(async () => {
    const f = join(fresh(), 'mix.flac')
    await makeMixture(f, 3, 44100, 'flac')
    whole = readFileSync(f)
  })

  it('no length in STREAMINFO and cut: separated with a warning naming the decoded length', async () => {
    const d = fresh()
    const input = join(d, 'cut.flac')
    const streamed = withoutLength(whole)
    writeFileSync(input, streamed.subarray(0, Math.floor(streamed.length * 0.4)))
    const r = separate(input, '2', join(d, 'out'), TINY)
    expect(r.status, r.stderr).toBe(0)
    const m =
      /warning: .*cut\.flac' ends inside a FLAC frame and its STREAMINFO gives no length: it is probably truncated; only ([\d.]+) s could be decoded\./.exec(
        r.stderr,
      )
    expect(m, r.stderr).not.toBeNull()
    const stem = await decodeAudioFile(join(d, 'out', 'cut.source-1.wav'))
    expect(Number(m![1])).toBeLessThan(3 * 0.5)
    expect(stem.durationSec.toFixed(3), 'the warning names the length that was separated').toBe(
      m![1],
    )
    // whole, with no length in STREAMINFO either: no warning
    const full = join(d, 'full.flac')
    writeFileSync(full, streamed)
    const f = separate(full, '2', join(d, 'out2'), TINY)
    expect(f.status, f.stderr).toBe(0)
    expect(f.stderr).not.toMatch(/warning/)
  })

  it('STREAMINFO gives the length and the stream ends early: exit 3, nothing written', () => {
    const d = fresh()
    const input = join(d, 'cut.flac')
    writeFileSync(input, whole.subarray(0, Math.floor(whole.length * 0.4)))
    const out = join(d, 'out')
    const r = separate(input, '2', out, TINY)
    expect(r.status, r.stderr).toBe(3)
    expect(r.stderr).toMatch(
      /cut\.flac' is truncated or damaged: its header announces 132300 samples per channel, but only \d+ could be decoded/,
    )
    expect(existsSync(out)).toBe(false)
  })
})

describe.skipIf(!existsSync(REAL))('separate with the shipped model', () => {
  it('a generated 3-source mixture: 3 stems, right length/rate/channels, summing to the input', async () => {
    const d = fresh()
    const input = join(d, 'three.wav')
    await makeMixture(input, 8)
    const out = join(d, 'out')
    const r = cli('separate', input, '--sources', '3', '--bits', '32f', '--out', out, '--json')
    expect(r.status, r.stderr).toBe(0)
    await checkStems(JSON.parse(r.stdout) as Report, input, out, 'wav', 3, 1e-4)
  })
})
if (!existsSync(REAL))
  console.warn(
    `skipped: shipped-model CLI test: ${REAL} does not exist yet (the training issue ships it)`,
  )

describe('bad input: exit 3, a clear message, nothing written', () => {
  const bad: [string, (p: string) => void | Promise<void>, RegExp][] = [
    ['missing', () => undefined, /does not exist/],
    ['empty', (p) => writeFileSync(p, ''), /is empty \(0 bytes\)/],
    [
      'corrupt',
      (p) => writeFileSync(p, Buffer.from('RIFF\x10\x00\x00\x00WAVEjunkjunkjunkjunk', 'latin1')),
      /no 'fmt ' chunk|corrupt|truncated/,
    ],
    [
      'not audio',
      (p) => writeFileSync(p, '<html>hello</html>'),
      /not an audio format Unweave recognises/,
    ],
    [
      'truncated',
      (p) => writeFileSync(p, pcm16StereoWav(new Uint8Array(8000)).subarray(0, 3000)),
      /is truncated/,
    ],
    [
      'zero-length',
      (p) => writeFileSync(p, pcm16StereoWav(new Uint8Array(0))),
      /no audio samples \(zero-length/,
    ],
    [
      'unsupported',
      (p) =>
        writeFileSync(
          p,
          wavBytes({
            channels: 1,
            sampleRate: 8000,
            formatTag: 0x11,
            bitsPerSample: 4,
            data: new Uint8Array(512),
          }),
        ),
      /IMA ADPCM .*cannot read/,
    ],
    [
      'NaN samples',
      (p) => {
        const a = new Float32Array(4000).map((_, i) => Math.sin(i / 9))
        a[2000] = NaN
        writeFloatWav(p, [a], 8000)
      },
      /invalid samples \(NaN or infinity\) from 0\.250 s/,
    ],
    [
      'Inf samples',
      (p) => {
        const a = new Float32Array(4000)
        a[10] = -Infinity
        writeFloatWav(p, [a, a], 8000)
      },
      /invalid samples \(NaN or infinity\)/,
    ],
    [
      '0 channels',
      (p) =>
        writeFileSync(
          p,
          wavBytes({
            channels: 0,
            sampleRate: 8000,
            formatTag: 1,
            bitsPerSample: 16,
            data: new Uint8Array(100),
          }),
        ),
      /0 audio channels/,
    ],
    [
      '9 channels',
      (p) =>
        writeFileSync(
          p,
          wavBytes({
            channels: 9,
            sampleRate: 8000,
            formatTag: 1,
            bitsPerSample: 16,
            data: new Uint8Array(18 * 100),
          }),
        ),
      /has 9 channels/,
    ],
    [
      '12 channels',
      (p) =>
        writeFileSync(
          p,
          wavBytes({
            channels: 12,
            sampleRate: 8000,
            formatTag: 1,
            bitsPerSample: 16,
            data: new Uint8Array(24 * 100),
          }),
        ),
      /has 12 channels/,
    ],
  ]
  for (const [what, make, re] of bad) {
    it(what, async () => {
      const d = fresh()
      const input = join(d, 'in.wav')
      await make(input)
      const out = join(d, 'out')
      const r = separate(input, '2', out, TINY)
      expect(r.status, r.stderr).toBe(3)
      expect(r.stderr).toMatch(re)
      expect(r.stdout).toBe('')
      expect(existsSync(out), 'the --out folder it created is removed again').toBe(false)
      expect(ls(d).filter((f) => f !== 'in.wav')).toEqual([])
    })
  }
})

describe('model and output problems', () => {
  let input: string
  beforeAll(async () => {
    input = join(fresh(), 'small.wav')
    await makeMixture(input, 1)
  })

  it('exit 4: missing model, broken model JSON; nothing written', () => {
    const out = fresh()
    const r = separate(input, '2', out, join(out, 'missing.json'))
    expect(r.status).toBe(4)
    expect(r.stderr).toMatch(/no model metadata at .*missing\.json/)
    const broken = join(fresh(), 'm.json')
    writeFileSync(broken, JSON.stringify({ ...JSON.parse(readFileSync(TINY, 'utf8')), bins: 300 }))
    writeFileSync(broken.replace(/json$/, 'onnx'), readFileSync(TINY.replace(/json$/, 'onnx')))
    const r2 = separate(input, '2', out, broken)
    expect(r2.status).toBe(4)
    expect(r2.stderr).toMatch(/bins expected 257 \(stft\.nFft\/2 \+ 1\), got 300/)
    expect(ls(out)).toEqual([])
  })

  it('exit 5: --out below a file, and an unwritable folder', () => {
    const d = fresh()
    writeFileSync(join(d, 'afile'), '')
    const r = separate(input, '2', join(d, 'afile', 'stems'), TINY)
    expect(r.status).toBe(5)
    expect(r.stderr).toMatch(/cannot create the folder .*afile\/stems|not a folder/)
    const r2 = separate(input, '2', join(d, 'afile'), TINY)
    expect(r2.status).toBe(5)
    expect(r2.stderr).toMatch(/is a file, not a folder/)
    expect(ls(d)).toEqual(['afile'])
    if (process.getuid?.() === 0) {
      console.warn('skipped: read-only folder case (running as root, which may write anywhere)')
      return
    }
    const ro = join(d, 'ro')
    mkdirSync(ro)
    chmodSync(ro, 0o555)
    try {
      const r3 = separate(input, '2', ro, TINY)
      expect(r3.status).toBe(5)
      expect(r3.stderr).toMatch(/permission denied/)
      expect(ls(ro)).toEqual([])
    } finally {
      chmodSync(ro, 0o755)
    }
  })
})

/**
 * Separates a 90-s mixture and sends `signal` once a stem's temp file exists; undefined (with a
 * warning) when the run ended before any stem was being written.
 */
async function interruptWhileWriting(
  signal: NodeJS.Signals,
): Promise<{ code: number | null; stderr: string; out: string } | undefined> {
  const long = join(fresh(), 'long.wav')
  await makeMixture(long, 90, 16000)
  const out = join(fresh(), 'stems')
  const child = spawn(
    process.execPath,
    [BIN, 'separate', long, '--sources', '2', '--out', out, '--model', TINY],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stderr = ''
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)))
  let sent = false
  for (let i = 0; i < 3000 && !sent; i++) {
    if (ls(out).some((f) => f.endsWith('.part'))) {
      child.kill(signal)
      sent = true
    } else await new Promise((r) => setTimeout(r, 10))
    if (child.exitCode !== null) break
  }
  const code = await exited
  if (!sent) {
    console.warn(
      `${signal} test: the run ended before a stem was being written; nothing to interrupt`,
    )
    return undefined
  }
  return { code, stderr, out }
}
