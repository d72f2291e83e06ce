// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { Backend } from '../lib/backend'
import { createFakeApi } from '../test/fake-api'
import { ExportDialog, baseName, expandTemplate } from './export-dialog.svelte'
import type { SourceInfo } from './separation.svelte'

const sources: SourceInfo[] = [
  { index: 0, name: 'Vocals', colour: '#fff', energyShare: 0.5, energyStale: false },
  { index: 1, name: 'Drums/Perc', colour: '#000', energyShare: 0.3, energyStale: false },
  { index: 2, name: 'Bass', colour: '#888', energyShare: 0.2, energyStale: false },
]

function setup() {
  const fake = createFakeApi()
  const dialog = new ExportDialog(new Backend(fake.api))
  dialog.show('sep-1', sources, '/music/song.wav')
  return { fake, dialog }
}

describe('ExportDialog', () => {
  it('opens with every source ticked, the input folder, WAV 24 and the CLI template', () => {
    const { dialog } = setup()
    expect(dialog.open).toBe(true)
    expect(dialog.selected).toEqual([true, true, true])
    expect(dialog.folder).toBe('/music')
    expect(dialog.format).toBe('wav-24')
    expect(dialog.fileNames).toEqual([
      'song.source-1.wav',
      'song.source-2.wav',
      'song.source-3.wav',
    ])
    expect(dialog.problems).toEqual([])
    expect(dialog.canExport).toBe(true)
  })

  it('validates: a source, a folder, a usable template, distinct names', () => {
    const { dialog } = setup()
    dialog.selectAll(false)
    expect(dialog.problems).toContain('Choose at least one source.')
    dialog.toggleSource(1)
    dialog.folder = ' '
    expect(dialog.problems).toContain('Choose a folder.')
    dialog.folder = '/out'
    dialog.template = 'a/b {index}'
    expect(dialog.problems[0]).toMatch(/not allowed/)
    dialog.template = '{name}'
    expect(dialog.problems).toEqual([]) // one source: no clash
    dialog.selectAll(true)
    expect(dialog.problems[0]).toMatch(/same file name/)
    dialog.template = '{source}'
    expect(dialog.fileNames).toEqual(['Vocals.wav', 'Drums_Perc.wav', 'Bass.wav'])
    dialog.format = 'flac-16'
    expect(dialog.fileNames[0]).toBe('Vocals.flac')
    dialog.template = ''
    expect(dialog.canExport).toBe(false)
  })

  it('writes when nothing exists, with progress, and can reveal the result', async () => {
    const { fake, dialog } = setup()
    dialog.toggleSource(2)
    await dialog.submit()
    expect(dialog.phase).toBe('done')
    expect(dialog.written).toEqual(['/music/song.source-1.wav', '/music/song.source-2.wav'])
    const req = fake.callsTo('exportStems')[0].args as {
      overwrite: string
      sources: number[]
      format: unknown
      sourceNames: string[]
    }
    expect(req.overwrite).toBe('never')
    expect(req.sources).toEqual([0, 1])
    expect(req.format).toEqual({ container: 'wav', bits: 24 })
    expect(req.sourceNames).toEqual(['Vocals', 'Drums/Perc', 'Bass'])
    await dialog.reveal()
    expect(fake.callsTo('revealInFolder')[0].args).toEqual({ path: '/music/song.source-1.wav' })
  })

  it('never overwrites silently: lists existing files, replaces only when confirmed', async () => {
    const { fake, dialog } = setup()
    fake.existing.add('/music/song.source-2.wav')
    await dialog.submit()
    expect(dialog.phase).toBe('confirm-overwrite')
    expect(dialog.conflicts).toEqual(['/music/song.source-2.wav'])
    expect(fake.callsTo('exportStems')).toHaveLength(0)
    dialog.cancelOverwrite()
    expect(dialog.phase).toBe('editing')
    await dialog.submit()
    await dialog.confirmOverwrite()
    expect(dialog.phase).toBe('done')
    expect((fake.callsTo('exportStems')[0].args as { overwrite: string }).overwrite).toBe('replace')
  })

  it("shows main's message when writing fails and stays editable", async () => {
    const { fake, dialog } = setup()
    fake.failNext('exportStems', 'The folder is not writable: /music', 'output')
    await dialog.submit()
    expect(dialog.phase).toBe('editing')
    expect(dialog.error).toBe('The folder is not writable: /music')
  })

  it('chooses a folder through main; closing is refused while writing', async () => {
    const { fake, dialog } = setup()
    await dialog.chooseFolder()
    expect(dialog.folder).toBe('/exports')
    const release = fake.hold('exportStems')
    const p = dialog.submit()
    await new Promise((r) => setTimeout(r, 0))
    expect(dialog.phase).toBe('exporting')
    dialog.close()
    expect(dialog.open).toBe(true)
    expect(fake.callsTo('cancelTask')).toHaveLength(1)
    release()
    await p
  })

  it('template helpers', () => {
    expect(
      expandTemplate(
        '{name} - {index} of {count} {source}',
        { name: 'a', source: 'x:y', index: 0, count: 3 },
        'wav',
      ),
    ).toBe('a - 1 of 3 x_y.wav')
    expect(baseName('C:\\music\\take.1.flac')).toBe('take.1')
    expect(baseName('/a/.hidden')).toBe('.hidden')
  })
})
