import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EXTERNAL_LINKS, isAppUrl, isExternalLink } from '../../src/main/app-url'
import { fileFromArgv } from '../../src/main/argv'
import { contentSecurityPolicy } from '../../src/main/csp'
import { stemFileName } from '../../src/main/session-service'
import {
  ArgumentError,
  checkAudioPath,
  checkFolder,
  nameTemplate,
  validators,
} from '../../src/main/validate'

const dir = mkdtempSync(join(tmpdir(), 'unweave-validate-'))

describe('channel validators', () => {
  it('accepts well-formed arguments and returns them typed', () => {
    expect(validators.openFile({ path: '/a/b.wav' })).toEqual({ path: '/a/b.wav' })
    expect(validators.cluster({ fileId: 'f-1', sourceCount: 3 })).toEqual({
      fileId: 'f-1',
      sourceCount: 3,
    })
    expect(
      validators.cluster({ fileId: 'f-1', sourceCount: 'auto', mask: 'hard', taskId: 't1' }),
    ).toEqual({
      fileId: 'f-1',
      sourceCount: 'auto',
      mask: 'hard',
      taskId: 't1',
    })
    expect(validators.cluster({ fileId: 'f-1', sourceCount: 2, stereoCue: true })).toEqual({
      fileId: 'f-1',
      sourceCount: 2,
      stereoCue: true,
    })
    expect(validators.getSpectrogram({ fileId: 'f', range: { from: 0, to: 10 } })).toEqual({
      fileId: 'f',
      range: { from: 0, to: 10 },
    })
    expect(validators.getAppInfo(undefined)).toEqual({})
  })

  it.each([
    ['openFile', { path: 'relative.wav' }, /absolute path/],
    ['openFile', { path: 42 }, /expected a string/],
    ['openFile', { path: '/a.wav', extra: 1 }, /unknown field 'extra'/],
    ['openFile', null, /expected an object/],
    ['openFile', [], /expected an object/],
    ['openFile', { path: '/a\u0000.wav' }, /control characters/],
    ['cluster', { fileId: 'f', sourceCount: 0 }, /from 1 to 8/],
    ['cluster', { fileId: 'f', sourceCount: 9 }, /from 1 to 8/],
    ['cluster', { fileId: 'f', sourceCount: 2.5 }, /integer/],
    ['cluster', { fileId: 'f', sourceCount: 2, mask: 'fuzzy' }, /"hard", "soft"/],
    ['cluster', { fileId: '../../etc', sourceCount: 2 }, /expected an id/],
    ['cluster', { fileId: 'f', sourceCount: 2, stereoCue: 1 }, /stereoCue: expected true or false/],
    ['analyse', { taskId: 't', fileId: 'f', stereoCue: 'on' }, /stereoCue: expected true or false/],
    ['getSpectrogram', { fileId: 'f', range: { from: 10, to: 5 } }, /before/],
    ['getSpectrogram', { fileId: 'f', range: { from: -1 } }, /integer/],
    ['getPeaks', { fileId: 'f', peaksPerSecond: 0 }, /from 1 to 1000/],
    ['getStemAudio', { separationId: 's', sources: [] }, /list of 1-8/],
    ['getStemAudio', { separationId: 's', sources: [0, 0] }, /repeated/],
    ['getStemAudio', { separationId: 's', sources: [8] }, /from 0 to 7/],
    [
      'getSelectionAudio',
      {
        separationId: 's',
        selection: { frame0: 0, frames: 1, bin0: 0, bins: 1, weights: new Uint8Array(1) },
        part: 'inside',
      },
      /"selection", "rest"/,
    ],
    ['cancelTask', {}, /taskId/],
  ] as const)('%s refuses %j', (channel, args, message) => {
    expect(() => validators[channel](args)).toThrow(ArgumentError)
    expect(() => validators[channel](args)).toThrow(message)
  })

  const exportArgs = {
    separationId: 's-1',
    sources: [0, 1],
    folder: '/tmp',
    format: { container: 'wav', bits: '32f' },
    template: '{name}.source-{index}',
    overwrite: 'never',
    taskId: 't',
  }
  it('validates export requests', () => {
    expect(validators.exportStems(exportArgs)).toMatchObject({
      format: { container: 'wav', bits: '32f' },
    })
    expect(() =>
      validators.exportStems({ ...exportArgs, format: { container: 'flac', bits: '32f' } }),
    ).toThrow(/format.bits/)
    expect(() => validators.exportStems({ ...exportArgs, overwrite: true })).toThrow(/overwrite/)
    expect(() => validators.exportStems({ ...exportArgs, taskId: undefined })).toThrow(/taskId/)
    expect(() => validators.planExport(exportArgs)).toThrow(/unknown field 'taskId'/)
  })

  it('validates edits, wand seeds and projects', () => {
    const selection = { frame0: 1, frames: 2, bin0: 3, bins: 2, weights: new Uint8Array(4) }
    const apply = (action: unknown, sel: unknown = selection) =>
      validators.editMasks({
        separationId: 's',
        op: { type: 'apply', command: { action, selection: sel } },
      })
    expect(apply({ type: 'move', from: 0, to: 1 }).op).toMatchObject({ type: 'apply' })
    expect(validators.editMasks({ separationId: 's', op: { type: 'undo' } })).toEqual({
      separationId: 's',
      op: { type: 'undo' },
    })
    expect(() => apply({ type: 'assign', to: 9 })).toThrow(/from 0 to 7/)
    expect(() => apply({ type: 'paint' })).toThrow(/"assign"/)
    expect(() => apply({ type: 'split', extra: 1 })).toThrow(/unknown field/)
    expect(() => apply({ type: 'split' }, { ...selection, weights: [0, 0, 0, 0] })).toThrow(
      /Uint8Array/,
    )
    expect(() => apply({ type: 'split' }, { ...selection, weights: new Uint8Array(3) })).toThrow(
      /frames \* bins = 4/,
    )
    expect(() => validators.editMasks({ separationId: 's', op: { type: 'undo', x: 1 } })).toThrow(
      /unknown field/,
    )
    expect(
      validators.wandSelect({ separationId: 's', seed: { frame: 1.5, bin: 2 }, share: 0.07 }).seed,
    ).toEqual({ frame: 1.5, bin: 2 })
    expect(() =>
      validators.wandSelect({ separationId: 's', seed: { frame: 1, bin: 2 }, share: 2 }),
    ).toThrow(/from 0 to 1/)
    expect(validators.openProject({ path: '/a/b.unweave' })).toEqual({ path: '/a/b.unweave' })
    expect(() => validators.openProject({ path: '/a/b.wav' })).toThrow(/\.unweave/)
    for (const colour of ['#e0a030', 'rgb(1, 2, 3)', 'hsl(10, 50%, 40%)', 'teal']) {
      expect(() =>
        validators.saveProject({ separationId: 's', sources: [{ name: 'x', colour }] }),
      ).not.toThrow()
    }
    expect(() =>
      validators.saveProject({ separationId: 's', sources: [{ name: 'x', colour: 'url(evil)' }] }),
    ).toThrow(/CSS colour/)
    expect(() =>
      validators.saveProject({ separationId: 's', sources: [{ name: 'x', colour: '"><script>' }] }),
    ).toThrow(/CSS colour/)
  })

  it('checks file-name templates', () => {
    expect(nameTemplate('{name} - {source}')).toBe('{name} - {source}')
    expect(() => nameTemplate('{name}/{index}')).toThrow(/not allowed/)
    expect(() => nameTemplate('{nme}-{index}')).toThrow(/unknown token/)
    expect(() => nameTemplate('{name}')).toThrow(/\{index\} or \{source\}/)
    expect(() => nameTemplate('')).toThrow(ArgumentError)
  })
})

describe('stem file names', () => {
  it('fills the template and sanitises names', () => {
    const v = { name: 'song', source: 'Vox: lead/1', index: 2, count: 3, ext: 'wav' }
    expect(stemFileName('{name}.source-{index}', v)).toBe('song.source-2.wav')
    expect(stemFileName('{index} of {count} {source}', v)).toBe('2 of 3 Vox_ lead_1.wav')
    expect(stemFileName('{source}', { ...v, source: '  ' })).toBe('Source 2.wav')
    expect(stemFileName('..{source}', { ...v, source: 'x', ext: 'flac' })).toBe('x.flac')
  })
})

describe('filesystem checks', () => {
  it('accepts an existing audio file and refuses the rest with clear messages', async () => {
    const wav = join(dir, 'a.wav')
    writeFileSync(wav, 'x')
    writeFileSync(join(dir, 'notes.txt'), 'x')
    mkdirSync(join(dir, 'folder.wav'))
    await expect(checkAudioPath(wav)).resolves.toBeUndefined()
    await expect(checkAudioPath(join(dir, 'missing.wav'))).rejects.toThrow(/does not exist/)
    await expect(checkAudioPath(join(dir, 'notes.txt'))).rejects.toThrow(/not a file type/)
    await expect(checkAudioPath(join(dir, 'folder.wav'))).rejects.toThrow(/not a regular file/)
    await expect(checkFolder(dir)).resolves.toBeUndefined()
    await expect(checkFolder(wav)).rejects.toThrow(/not a folder/)
    await expect(checkFolder(join(dir, 'nope'))).rejects.toThrow(/does not exist/)
  })
})

describe('app URLs', () => {
  it('matches scheme and host, not the opaque origin of custom schemes', () => {
    const app = 'app://unweave/index.html'
    expect(isAppUrl('app://unweave/assets/x.js', app)).toBe(true)
    expect(isAppUrl('evil://unweave/index.html', app)).toBe(false)
    expect(isAppUrl('app://other/index.html', app)).toBe(false)
    expect(isAppUrl('file:///etc/passwd', app)).toBe(false)
    expect(isAppUrl('not a url', app)).toBe(false)
    const dev = 'http://localhost:5173/'
    expect(isAppUrl('http://localhost:5173/src/main.ts', dev)).toBe(true)
    expect(isAppUrl('http://localhost:5174/', dev)).toBe(false)
    expect(isAppUrl('https://localhost:5173/', dev)).toBe(false)
  })
})

describe('argv and CSP', () => {
  it('finds the audio file on the command line', () => {
    expect(fileFromArgv(['/usr/bin/electron', '.', 'song.flac'], '/home/u', 2)).toBe(
      '/home/u/song.flac',
    )
    expect(fileFromArgv(['/opt/unweave', '--flag', '/x/y.WAV'], '/', 1)).toBe('/x/y.WAV')
    expect(fileFromArgv(['/opt/unweave', 'readme.txt'], '/', 1)).toBeNull()
    expect(fileFromArgv(['/opt/unweave.wav'], '/', 1)).toBeNull()
  })
  it('builds a strict policy that still lets wavesurfer use blob: workers and media', () => {
    const csp = contentSecurityPolicy()
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toMatch(/script-src[^;]*unsafe/)
    expect(csp).toContain("worker-src 'self' blob:")
    expect(csp).toContain("media-src 'self' blob:")
  })
})

describe("isExternalLink: only the app's own fixed links reach the system browser", () => {
  it('refuses any URL a page names, https included; accepts exactly a listed link', () => {
    for (const url of [
      'https://example.com/',
      'https://evil.example/download.exe',
      'http://localhost/',
      'file:///etc/passwd',
      'mailto:x@example.com',
      'not a url',
    ])
      expect(isExternalLink(url), url).toBe(false)
    expect(EXTERNAL_LINKS).toEqual([])
    const links = ['https://unweave.example/docs']
    expect(isExternalLink('https://unweave.example/docs', links)).toBe(true)
    expect(isExternalLink('https://unweave.example/docs?x=1', links)).toBe(false)
  })
})
