import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RecentFiles } from '../../src/main/recent-files'

describe('RecentFiles', () => {
  it('keeps the newest first, without duplicates, at most N, written atomically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'unweave-recent-'))
    const audio = join(dir, 'a.wav')
    writeFileSync(audio, 'x')
    const r = new RecentFiles(join(dir, 'recent-files.json'), 3)
    expect(await r.list()).toEqual([])
    await r.add(audio)
    await r.add('/gone/b.wav')
    await r.add(audio)
    const list = await r.list()
    expect(list.map((f) => f.path)).toEqual([audio, '/gone/b.wav'])
    expect(list[0]).toMatchObject({ name: 'a.wav', exists: true })
    expect(list[1]).toMatchObject({ exists: false })
    await Promise.all(['/1.wav', '/2.wav', '/3.wav', '/4.wav'].map((p) => r.add(p)))
    expect((await r.list()).map((f) => f.path)).toEqual(['/4.wav', '/3.wav', '/2.wav'])
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    expect(JSON.parse(readFileSync(join(dir, 'recent-files.json'), 'utf8')).version).toBe(1)
    expect(await r.clear()).toEqual([])
    expect(await new RecentFiles(join(dir, 'recent-files.json')).list()).toEqual([])
  })

  it('starts afresh from a corrupt list', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'unweave-recent-'))
    writeFileSync(join(dir, 'recent-files.json'), '{not json')
    const r = new RecentFiles(join(dir, 'recent-files.json'))
    expect(await r.list()).toEqual([])
    expect((await r.add('/x.wav')).map((f) => f.path)).toEqual(['/x.wav'])
  })
})
