// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import type { EditCommand } from '../../../engine/index'
import { AUTOSAVE, type SeparationSummary } from '../../../shared/ipc'
import { Backend } from '../lib/backend'
import type { OpenedProjectInfo } from '../lib/edit-backend'
import { createFakeApi, FakeAudioContext } from '../test/fake-api'
import { AppState } from './app.svelte'

const ok = <T>(value: T) => Promise.resolve({ type: 'ok' as const, value })

/** Waits for the unsaved-edits question and answers it. */
async function answer(app: AppState, a: 'save' | 'discard' | 'cancel'): Promise<void> {
  for (let i = 0; i < 100 && !app.projectFile.unsavedPrompt; i++)
    await new Promise((r) => setTimeout(r, 1))
  expect(app.modalOpen).toBe(true)
  app.projectFile.unsavedPrompt!.answer(a)
}

/** One edit: a rectangle assigned to source `to` + 1. */
function assignRect(app: AppState, to = 2): void {
  app.editor.selectShape('rect', [
    { frame: 1, bin: 1 },
    { frame: 4, bin: 6 },
  ])
  app.editor.assign(to)
}

/** An app whose fake main has the project channels; `project` is what opening returns. */
async function setup() {
  const fake = createFakeApi()
  const api = fake.api as unknown as Record<string, unknown>
  const saved: unknown[] = []
  let audio: OpenedProjectInfo['audio'] = { status: 'missing', path: '/gone/song.wav' }
  let history: { undo: EditCommand[]; redo: EditCommand[] } = { undo: [], redo: [] }
  const summary = async (): Promise<SeparationSummary> => {
    const r = (await (api.cluster as (a: unknown) => Promise<{ value: SeparationSummary }>)({
      fileId: fake.file.fileId,
      sourceCount: 3,
    })) as { value: SeparationSummary }
    return r.value
  }
  const opened = async (): Promise<OpenedProjectInfo> => ({
    projectPath: '/p/song.unweave',
    audio,
    file: audio.status === 'ok' ? fake.file : null,
    separation: audio.status === 'ok' ? await summary() : null,
    sources: [
      { name: 'Piano', colour: '#112233' },
      { name: 'Source 2', colour: '#445566' },
      { name: 'Cello', colour: '#778899' },
    ],
    history,
  })
  api.editMasks = () => ok({ touched: null, undoDepth: 0, redoDepth: 0 })
  api.saveProject = (a: { path?: string }) => {
    saved.push(a)
    return ok({ path: a.path ?? '/p/chosen.unweave', sizeBytes: 1.5e6 })
  }
  api.openProjectDialog = async () => ok(await opened())
  api.openProject = async () => ok(await opened())
  api.locateProjectAudio = async () => {
    audio = { status: 'ok', path: '/found/song.wav' }
    return ok(await opened())
  }
  api.autosaveProject = () => ok({ path: '/recovery.unweave' })
  api.getRecovery = () =>
    ok({
      path: '/recovery.unweave',
      audioName: 'song.wav',
      savedAt: 'now',
      edits: 2,
      lastEdit: 'Brush',
    })
  api.discardRecovery = () => ok(null)
  const app = new AppState(new Backend(fake.api), () => new FakeAudioContext() as never)
  app.start()
  await new Promise((r) => setTimeout(r, 0))
  return {
    fake,
    app,
    saved,
    setHistory: (h: typeof history) => (history = h),
  }
}

describe('ProjectFile', () => {
  it('Open and Load project with unsaved edits ask Save / Discard / Cancel first', async () => {
    const { app, fake, saved } = await setup()
    await app.open()
    await app.separate()
    assignRect(app)
    expect(app.projectFile.dirty).toBe(true)
    const opens = fake.callsTo('openFileDialog').length
    // Cancel: nothing happens, the edits stay
    let run = app.open()
    await answer(app, 'cancel')
    await run
    expect(fake.callsTo('openFileDialog')).toHaveLength(opens)
    expect(app.projectFile.dirty).toBe(true)
    expect(app.history.done).toHaveLength(1)
    // Load project, Cancel: the same
    run = app.projectFile.open()
    await answer(app, 'cancel')
    await run
    expect(app.projectFile.dirty).toBe(true)
    // Save: saved first, then opened
    run = app.open()
    await answer(app, 'save')
    await run
    expect(saved).toHaveLength(1)
    expect(fake.callsTo('openFileDialog')).toHaveLength(opens + 1)
    expect(app.projectFile.dirty).toBe(false)
    // no edits: no question
    run = app.open()
    await run
    expect(app.projectFile.unsavedPrompt).toBeNull()
    expect(fake.callsTo('openFileDialog')).toHaveLength(opens + 2)
  })

  it('tells main about unsaved edits; a close request and Close File ask the same question', async () => {
    const { app, fake } = await setup()
    const api = fake.api as unknown as Record<string, unknown>
    const reports: boolean[] = []
    const answers: boolean[] = []
    const ids: number[] = []
    api.setUnsavedEdits = (a: { unsaved: boolean }) => (reports.push(a.unsaved), ok(null))
    api.confirmClose = (a: { id: number; close: boolean }) => (
      answers.push(a.close),
      ids.push(a.id),
      ok(null)
    )
    app.start()
    await app.open()
    await app.separate()
    assignRect(app)
    await vi.waitFor(() => expect(reports.at(-1)).toBe(true))
    // main kept the window: Cancel answers "keep it"; a second request meanwhile is the same question
    fake.emit({ type: 'close-requested', id: 1 })
    await answer(app, 'cancel')
    await vi.waitFor(() => expect(answers).toEqual([false]))
    fake.emit({ type: 'close-requested', id: 2 })
    const prompt = await vi.waitFor(() => app.projectFile.unsavedPrompt!)
    fake.emit({ type: 'close-requested', id: 3 })
    await new Promise((r) => setTimeout(r, 5))
    expect(app.projectFile.unsavedPrompt).toBe(prompt)
    expect(prompt.action).toBe('quitting')
    prompt.answer('discard')
    await vi.waitFor(() => expect(answers).toEqual([false, true]))
    // the answer goes to main's latest question
    expect(ids).toEqual([1, 3])
    // Close File asks too; Cancel keeps the file
    app.runCommand('close-file')
    await answer(app, 'cancel')
    await new Promise((r) => setTimeout(r, 5))
    expect(app.recording.file).not.toBeNull()
    expect(app.history.done).toHaveLength(1)
  })

  it('autosaves AUTOSAVE.idleSec after a change, and within maxSec while changes keep coming', async () => {
    const { app, fake } = await setup()
    const autosaves: { note: { edits: number; lastEdit: string } }[] = []
    ;(fake.api as unknown as Record<string, unknown>).autosaveProject = (a: {
      note: { edits: number; lastEdit: string }
    }) => (autosaves.push(a), ok({ path: '/recovery.unweave' }))
    await app.open()
    await app.separate()
    vi.useFakeTimers()
    try {
      assignRect(app)
      await vi.advanceTimersByTimeAsync(AUTOSAVE.idleSec * 1000 - 100)
      expect(autosaves).toHaveLength(0)
      await vi.advanceTimersByTimeAsync(200)
      // the recovery file now holds that edit, and says so
      expect(autosaves).toHaveLength(1)
      expect(autosaves[0]!.note).toEqual({ edits: 1, lastEdit: app.history.done[0]!.label })
      // a change every second (never idle for idleSec): still autosaved maxSec after the first
      const step = (AUTOSAVE.idleSec * 1000) / 2
      let t = 0
      for (let i = 0; autosaves.length < 2 && i < 20; i++) {
        assignRect(app, i % 2)
        await vi.advanceTimersByTimeAsync(step)
        t += step
      }
      expect(autosaves).toHaveLength(2)
      expect(t).toBeLessThanOrEqual(AUTOSAVE.maxSec * 1000 + step)
      expect(autosaves[1]!.note.edits).toBeGreaterThan(1)
      // nothing new: no further autosave
      await vi.advanceTimersByTimeAsync(AUTOSAVE.maxSec * 2000)
      const n = autosaves.length
      await vi.advanceTimersByTimeAsync(AUTOSAVE.maxSec * 2000)
      expect(autosaves).toHaveLength(n)
      expect(autosaves.at(-1)!.note.edits).toBe(app.history.done.length)
    } finally {
      vi.useRealTimers()
    }
  })

  it('offers recovery at start; save asks for a name once, then saves in place', async () => {
    const { app, saved } = await setup()
    expect(app.projectFile.available).toBe(true)
    expect(app.projectFile.recovery?.audioName).toBe('song.wav')
    await app.projectFile.recover(false)
    expect(app.projectFile.recovery).toBeNull()
    await app.open()
    await app.separate()
    assignRect(app)
    expect(app.projectFile.dirty).toBe(true)
    expect(await app.projectFile.save()).toBe(true)
    expect(saved[0]).toMatchObject({ path: undefined })
    expect(app.projectFile.path).toBe('/p/chosen.unweave')
    expect(app.projectFile.dirty).toBe(false)
    await app.projectFile.save()
    expect(saved[1]).toMatchObject({ path: '/p/chosen.unweave' })
    // the native menu's commands
    app.runCommand('save-project-as')
    await new Promise((r) => setTimeout(r, 0))
    expect(saved[2]).toMatchObject({ path: undefined })
  })

  it('opening a project whose audio is missing asks to locate it, then shows sources and edits', async () => {
    const { app, setHistory } = await setup()
    // edits made in another session: replayed exactly by the engine's own code
    await app.open()
    await app.separate()
    const ed = app.editor
    ed.selectShape('rect', [
      { frame: 2, bin: 2 },
      { frame: 6, bin: 9 },
    ])
    ed.assign(1)
    ed.selectShape('time', [
      { frame: 3, bin: 0 },
      { frame: 5, bin: 0 },
    ])
    ed.split()
    const expected = ed.editable!.masks.masks.map((m) => m.slice())
    const stacks = ed.historyStacks()
    await app.undo()
    const redo = ed.historyStacks().redo
    expect(redo).toHaveLength(1)
    setHistory({ undo: stacks.undo.slice(0, 1), redo })

    // the open separation has unsaved edits: asked first, discarded
    const opening = app.projectFile.open()
    await answer(app, 'discard')
    await opening
    expect(app.projectFile.needsAudio?.audio.status).toBe('missing')
    await app.projectFile.locate('/found/song.wav')
    expect(app.projectFile.needsAudio).toBeNull()
    expect(app.projectFile.path).toBe('/p/song.unweave')
    expect(app.separation.sources.map((s) => s.name)).toEqual(['Piano', 'Source 2', 'Cello'])
    expect(app.separation.sources[0].colour).toBe('#112233')
    expect(app.history.done).toHaveLength(1)
    expect(app.history.undone).toHaveLength(1)
    await app.redo()
    expect(ed.editable!.masks.masks).toEqual(expected)
    expect(app.projectFile.dirty).toBe(true)
  })
})
