/**
 * Project files from elsewhere (issue 16): every crafted case of the issue is refused with an
 * InputError (exit 3 in the CLI) that says what is wrong, before the reader allocates what the
 * file asks for. Real files on disk; the CLI as a user runs it. Peak memory and time to the verdict
 * are measured by `npm run bench` (bench/hostile-projects.ts), not asserted here.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { deflateRawSync } from 'node:zlib'
import { strToU8 } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openProject } from '../../src/node/project/index'
import { writeZip, type ZipEntry } from '../../src/node/project/zip'
import { InputError } from '../../src/shared/errors'
import { makeTempDir } from '../helpers/audio-fixtures'
import { hostileProjects, validProject } from '../helpers/hostile-projects'

const ROOT = resolve(__dirname, '../..')
const BIN = join(ROOT, 'bin/unweave.js')
const tmp = makeTempDir('unweave-hostile-')
afterAll(() => tmp.cleanup())
let n = 0
const fresh = (): string => {
  const d = join(tmp.dir, `h${n++}`)
  mkdirSync(d)
  return d
}

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, UNWEAVE_MODEL: '' },
    timeout: 60_000,
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('hostile project files: refused with a clear InputError', () => {
  let dir: string
  let base: Awaited<ReturnType<typeof validProject>>
  beforeAll(async () => {
    dir = fresh()
    base = await validProject(dir)
  })

  it('every case of the issue (bombs, huge histories, padded manifest, prototype names, misfit grids)', async () => {
    for (const hc of hostileProjects(base.c, { small: true })) {
      const file = join(dir, `${hc.name}.unweave`)
      writeFileSync(file, hc.bytes())
      const err = await openProject(file).catch((e: unknown) => e)
      expect(err, hc.name).toBeInstanceOf(InputError)
      expect((err as InputError).message, hc.name).toMatch(hc.expect)
    }
  })

  it('CRC-32: a flipped bit of the compressed manifest is refused, or changes nothing', async () => {
    const raw = strToU8(JSON.stringify(base.c.manifest))
    const zipped = writeZip([
      { name: 'manifest.json', data: raw, deflate: true },
      { name: 'masks.bin', data: base.c.entries['masks.bin']! },
      { name: 'history.bin', data: base.c.entries['history.bin']! },
    ])
    const file = join(dir, 'flip.unweave')
    writeFileSync(file, zipped)
    const original = (await openProject(file, { checkAudio: false })).project
    // the manifest's deflated bytes start after its 30-byte local header and its name
    const start = 30 + 'manifest.json'.length
    const stored = deflateRawSync(raw, { level: 6 }).length
    let refused = 0
    let unchanged = 0
    for (let i = start; i < start + stored; i++) {
      for (const bit of [0, 3, 6]) {
        const bad = zipped.slice()
        bad[i] ^= 1 << bit
        writeFileSync(file, bad)
        const r = await openProject(file, { checkAudio: false }).catch((e: unknown) => e)
        if (r instanceof InputError) refused++
        else {
          // only a bit deflate never reads (the padding after the last block) may pass
          const p = (r as Awaited<ReturnType<typeof openProject>>).project
          expect(p.sources, `byte ${i} bit ${bit}`).toEqual(original.sources)
          expect(p.audio, `byte ${i} bit ${bit}`).toEqual(original.audio)
          expect(p.history.undo, `byte ${i} bit ${bit}`).toEqual(original.history.undo)
          unchanged++
        }
      }
    }
    expect(refused + unchanged).toBe(stored * 3)
    expect(unchanged).toBeLessThanOrEqual(3)
  })

  it('a flipped bit in a stored entry whose sha256 was recomputed: the zip CRC-32 catches it', async () => {
    const { createHash } = await import('node:crypto')
    const masks = base.c.entries['masks.bin']!.slice()
    masks[200] ^= 4
    const man = structuredClone(base.c.manifest) as {
      entries: Record<string, { sha256: string }>
    }
    man.entries['masks.bin']!.sha256 = createHash('sha256').update(masks).digest('hex')
    // a zip whose CRC is of the original masks (as a flipped bit on disk leaves it)
    const entries: ZipEntry[] = [
      { name: 'manifest.json', data: strToU8(JSON.stringify(man)), deflate: true },
      { name: 'masks.bin', data: base.c.entries['masks.bin']! },
      { name: 'history.bin', data: base.c.entries['history.bin']! },
    ]
    const bytes = writeZip(entries)
    const at = Buffer.from(bytes).indexOf(Buffer.from(base.c.entries['masks.bin']!))
    bytes.set(masks, at)
    const file = join(dir, 'crc.unweave')
    writeFileSync(file, bytes)
    await expect(openProject(file, { checkAudio: false })).rejects.toThrow(/fails its CRC-32/)
  })
})

describe('the CLI on hostile and misfit projects: exit 3; --out created', () => {
  it('a misfit grid exits 3; a grid that does not fit the decoded recording exits 3; nothing written', async () => {
    const d = fresh()
    const { c } = await validProject(d)
    const bad = hostileProjects(c, { small: true }).find((h) => h.name === 'bins-1')!
    const file = join(d, 'bins.unweave')
    writeFileSync(file, bad.bytes())
    const r = cli('separate', '--project', file, '--out', join(d, 'out'))
    expect(r.status, r.stderr).toBe(3)
    expect(r.stderr).toMatch(/bins do not fit its FFT size/)
    expect(r.stderr).not.toMatch(/This is a bug/)
    // The manifest says 1 s (the grid fits that), the recording on disk is 1.5 s.
    const d2 = fresh()
    const long = await validProject(d2, { recordingSec: 1.5 })
    const f2 = join(d2, 'long.unweave')
    writeFileSync(f2, long.good)
    const r2 = cli('separate', '--project', f2, '--out', join(d2, 'out'))
    expect(r2.status, r2.stderr).toBe(3)
    expect(r2.stderr).toMatch(/does not fit its recording .*63 frames.*has 94/)
    expect(existsSync(join(d, 'out'))).toBe(false)
    expect(existsSync(join(d2, 'out'))).toBe(false)
  })

  it('--project creates a missing --out folder (as plain separate does)', async () => {
    const d = fresh()
    const { good } = await validProject(d)
    const file = join(d, 'song.unweave')
    writeFileSync(file, good)
    const out = join(d, 'new', 'stems')
    const r = cli('separate', '--project', file, '--out', out)
    expect(r.status, r.stderr).toBe(0)
    expect(readdirSync(out).sort()).toEqual([
      'song.source-1.wav',
      'song.source-2.wav',
      'song.source-3.wav',
    ])
  })

  it('a project that is a FIFO: exit 3 at once', () => {
    if (process.platform === 'win32') return
    const d = fresh()
    const fifo = join(d, 'p.unweave')
    spawnSync('mkfifo', [fifo])
    const r = cli('separate', '--project', fifo)
    expect(r.status, r.stderr).toBe(3)
    expect(r.stderr).toMatch(/named pipe/)
  })
})
