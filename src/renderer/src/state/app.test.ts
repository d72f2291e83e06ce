// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import { Backend } from '../lib/backend'
import { createFakeApi, FakeAudioContext } from '../test/fake-api'
import { AppState } from './app.svelte'
import type { AudioContextLike } from './playback.svelte'

async function setup() {
  const fake = createFakeApi()
  const app = new AppState(
    new Backend(fake.api),
    () => new FakeAudioContext() as unknown as AudioContextLike,
  )
  app.start()
  await new Promise((r) => setTimeout(r, 0))
  return { fake, app }
}

const key = (k: string, mods: Partial<KeyboardEvent> = {}) =>
  ({
    key: k,
    ctrlKey: false,
    metaKey: false,
    shiftKey: false,
    altKey: false,
    target: null,
    ...mods,
  }) as KeyboardEvent

describe('AppState', () => {
  it('opens a file: info, spectrogram pages, peaks', async () => {
    const { fake, app } = await setup()
    await app.open()
    expect(app.recording.isReady).toBe(true)
    expect(app.recording.file?.name).toBe('song.wav')
    expect(app.recording.summary).toBe('WAV · 44.1 kHz · 24-bit · stereo · 0:10')
    expect(app.recording.spectrogram?.frames).toBe(fake.file.spectrogram.frames)
    expect(app.recording.spectrogramFrames).toBe(fake.file.spectrogram.frames)
    expect(app.recording.peaks).toHaveLength(2)
    expect(app.playback.durationSec).toBe(10)
  })

  it('a cancelled dialog changes nothing; a failed open shows the message and keeps the app usable', async () => {
    const { fake, app } = await setup()
    fake.nextOpen = null
    await app.open()
    expect(app.recording.status).toBe('empty')
    fake.failNext(
      'openFile',
      'Unsupported audio format: .txt (expected WAV, FLAC, MP3, Ogg)',
      'input',
    )
    await app.open('/x.txt')
    expect(app.errors.current?.message).toBe(
      'Unsupported audio format: .txt (expected WAV, FLAC, MP3, Ogg)',
    )
    expect(app.recording.status).toBe('empty')
    fake.nextOpen = fake.file.path
    await app.open()
    expect(app.recording.isReady).toBe(true)
    expect(app.errors.current).toBeNull()
  })

  it('keyboard: space plays, 1-9 solo, M mutes the selected source', async () => {
    const { app } = await setup()
    await app.open()
    await app.separate()
    expect(app.separation.k).toBe(3)
    expect(app.handleKey(key(' '))).toBe(true)
    await new Promise((r) => setTimeout(r, 0))
    expect(app.playback.playing).toBe(true)
    app.handleKey(key(' '))
    expect(app.playback.playing).toBe(false)
    expect(app.handleKey(key('2'))).toBe(true)
    expect(app.playback.mix.map((m) => m.solo)).toEqual([false, true, false])
    expect(app.separation.selected).toBe(1)
    expect(app.handleKey(key('9'))).toBe(false)
    app.handleKey(key('m'))
    expect(app.playback.mix[1].mute).toBe(true)
    // typing in a text field is not a shortcut
    const input = document.createElement('input')
    expect(app.handleKey(key('1', { target: input }))).toBe(false)
  })

  it('shortcuts are inert while a modal is open (Ctrl+O under the export dialog opens nothing)', async () => {
    const { fake, app } = await setup()
    await app.open()
    await app.separate()
    const opens = fake.callsTo('openFileDialog').length
    app.showExport()
    expect(app.exportDialog.open).toBe(true)
    expect(app.modalOpen).toBe(true)
    for (const k of [
      key('o', { ctrlKey: true }),
      key('e', { ctrlKey: true }),
      key('z', { ctrlKey: true }),
      key(' '),
      key('2'),
      key('m'),
      key('?'),
    ])
      expect(app.handleKey(k), k.key).toBe(false)
    await new Promise((r) => setTimeout(r, 10))
    expect(fake.callsTo('openFileDialog')).toHaveLength(opens)
    expect(app.playback.playing).toBe(false)
    expect(app.playback.mix.every((m) => !m.solo && !m.mute)).toBe(true)
    expect(app.shortcutsOpen).toBe(false)
    // the shortcuts list is a modal too: ? closes it, nothing else acts
    app.exportDialog.close()
    app.handleKey(key('?'))
    expect(app.shortcutsOpen).toBe(true)
    expect(app.handleKey(key('o', { ctrlKey: true }))).toBe(false)
    expect(app.handleKey(key('?'))).toBe(true)
    expect(app.shortcutsOpen).toBe(false)
  })

  it('platform shortcuts: Mod+O opens, Mod+E exports, Mod+Z undoes (only without native menus)', async () => {
    const { fake, app } = await setup()
    expect(app.nativeMenus).toBe(false)
    app.handleKey(key('o', { ctrlKey: true }))
    await new Promise((r) => setTimeout(r, 10))
    expect(fake.callsTo('openFileDialog')).toHaveLength(1)
    await app.separate()
    app.handleKey(key('e', { ctrlKey: true }))
    expect(app.exportDialog.open).toBe(true)
    app.exportDialog.close()
    await app.setCount(2)
    expect(app.separation.k).toBe(2)
    app.handleKey(key('z', { ctrlKey: true }))
    await new Promise((r) => setTimeout(r, 10))
    expect(app.separation.k).toBe(3)
    app.handleKey(key('z', { ctrlKey: true, shiftKey: true }))
    await new Promise((r) => setTimeout(r, 10))
    expect(app.separation.k).toBe(2)
    app.nativeMenus = true
    expect(app.handleKey(key('o', { ctrlKey: true }))).toBe(false)
  })

  it('carries out menu commands and files main opened itself', async () => {
    const { fake, app } = await setup()
    fake.emit({ type: 'file-opened', file: fake.file })
    await new Promise((r) => setTimeout(r, 10))
    expect(app.recording.isReady).toBe(true)
    fake.emit({ type: 'menu', command: 'separate' })
    await new Promise((r) => setTimeout(r, 10))
    expect(app.separation.hasResult).toBe(true)
    fake.emit({ type: 'menu', command: 'zoom-in' })
    expect(app.view.pxPerSec).toBeGreaterThanOrEqual(0)
    fake.emit({ type: 'error', code: 'input', message: 'Could not open /gone.wav' })
    expect(app.errors.current?.message).toBe('Could not open /gone.wav')
    fake.emit({ type: 'menu', command: 'close-file' })
    // without unsaved edits nothing is asked (with them, the Open question: project-file.test.ts)
    await vi.waitFor(() => expect(app.recording.file).toBeNull())
    expect(app.separation.hasResult).toBe(false)
  })

  it('renames are undoable', async () => {
    const { app } = await setup()
    await app.open()
    await app.separate()
    app.renameSource(0, 'Vocals')
    expect(app.separation.sources[0].name).toBe('Vocals')
    await app.undo()
    expect(app.separation.sources[0].name).toBe('Source 1')
    await app.redo()
    expect(app.separation.sources[0].name).toBe('Vocals')
  })
})
