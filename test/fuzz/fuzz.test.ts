/**
 * The short seeded fuzz pass of CI (issue 16): `npm run fuzz` for a fixed number of cases with a
 * fixed seed, so the pass is the same on every run. Every reader of files from elsewhere (WAV /
 * RF64, FLAC, MP3, Ogg Vorbis and Opus through decodeAudioFile, `.unweave` through openProject)
 * must reject what it cannot read with its coded error: no crash, no invalid result, no hang, no
 * peak over 1 GB. Longer runs: `npm run fuzz -- --seconds 600` (docs/io-and-cli.md).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { hostileCases, makeCase } from '../../bench/fuzz-cases'
import { makeSeeds, TARGETS, type Seeds } from '../../bench/fuzz-seeds'
import { hasTool, makeTempDir } from '../helpers/audio-fixtures'
import { ROOT } from '../helpers/cli'

const tmp = makeTempDir('unweave-fuzz-test-')
afterAll(() => tmp.cleanup())

interface Summary {
  cases: number
  targets: Record<string, { counts: Record<string, number>; peak: number }>
  bugs: { target: string; index: number; outcome: string; what: string; message: string }[]
}

describe('npm run fuzz', () => {
  it('500 seeded cases over every reader: accepted or rejected with a coded error, nothing else', () => {
    const r = spawnSync(
      process.execPath,
      ['scripts/run-ts.mjs', 'bench/fuzz.ts', '--cases', '500', '--seed', '1', '--json'],
      { cwd: ROOT, encoding: 'utf8', timeout: 600_000 },
    )
    const last = r.stdout.trim().split('\n').pop() ?? ''
    expect(last.startsWith('{'), `${r.stdout}\n${r.stderr}`).toBe(true)
    const s = JSON.parse(last) as Summary
    expect(s.bugs, JSON.stringify(s.bugs, null, 1)).toEqual([])
    expect(r.status, r.stderr).toBe(0)
    expect(s.cases).toBe(500)
    const want = hasTool('ffmpeg') ? [...TARGETS] : ['wav', 'flac', 'project']
    expect(Object.keys(s.targets).sort()).toEqual(want.sort())
    for (const [t, x] of Object.entries(s.targets)) {
      // the pass reaches both sides of every reader: files it decodes and files it refuses
      expect(x.counts.accepted, t).toBeGreaterThan(0)
      expect(x.counts.rejected, t).toBeGreaterThan(0)
      expect(x.peak, t).toBeGreaterThan(0)
    }
  })
})

describe("the fuzzer's verdicts", () => {
  it('tell a crash, a hang and a peak over 1 GB from a refusal (a reader that misbehaves on purpose)', () => {
    const r = spawnSync(
      process.execPath,
      ['scripts/run-ts.mjs', 'bench/fuzz.ts', '--self-test', '--case-limit-s', '10'],
      { cwd: ROOT, encoding: 'utf8', timeout: 300_000 },
    )
    expect(r.status, r.stderr).toBe(0)
    const verdicts = JSON.parse(r.stdout.trim().split('\n').pop() ?? '[]') as {
      how: string
      want: string
      got: string
    }[]
    for (const v of verdicts) expect(v.got, v.how).toBe(v.want)
    // every verdict is among those checked, the three bugs and both good ones
    expect(new Set(verdicts.map((v) => v.want))).toEqual(
      new Set(['accepted', 'rejected', 'crash', 'hang', 'memory']),
    )
  })
})

describe("the fuzzer's cases", () => {
  let seeds: Seeds
  it('are a function of the seed and the index', async () => {
    const dir = join(tmp.dir, 'seeds')
    mkdirSync(dir)
    seeds = await makeSeeds(dir)
    const hostile = hostileCases(seeds)
    for (const target of ['wav', 'project'] as const) {
      for (let i = 0; i < 20; i++) {
        const a = makeCase(seeds, target, 7, i, hostile)
        const b = makeCase(seeds, target, 7, i, hostile)
        expect(b.what).toBe(a.what)
        expect(Buffer.compare(b.bytes, a.bytes)).toBe(0)
      }
      const whats = new Set(
        Array.from({ length: 20 }, (_, i) => makeCase(seeds, target, 7, i, hostile).what),
      )
      expect(whats.size).toBeGreaterThan(10)
    }
  })
})
