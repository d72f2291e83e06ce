// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte'
import { afterEach, describe, expect, it } from 'vitest'
import App from '../App.svelte'
import { createFakeApi, FakeAudioContext } from '../test/fake-api'
import type { AudioContextLike } from '../state/playback.svelte'

afterEach(() => cleanup())

function mount(recent: { path: string; name: string; exists: boolean }[] = []) {
  const fake = createFakeApi({ suggested: 3 })
  fake.recent = recent.map((r) => ({ ...r, openedAt: '2026-11-25T00:00:00Z' }))
  render(App, {
    props: {
      api: fake.api,
      createAudioContext: () => new FakeAudioContext() as unknown as AudioContextLike,
    },
  })
  return fake
}

describe('App', () => {
  it('starts empty with named, reachable controls', () => {
    mount()
    expect(screen.getByRole('button', { name: 'Open…' })).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Choose a recording' })).toBeTruthy()
    expect(screen.getByRole('combobox', { name: 'Sources' })).toHaveProperty('disabled', true)
    expect(screen.getByRole('button', { name: 'Separate' })).toHaveProperty('disabled', true)
    expect(screen.getByRole('button', { name: 'Export…' })).toHaveProperty('disabled', true)
    expect(screen.getByRole('button', { name: 'Play' })).toHaveProperty('disabled', true)
    for (const name of [
      'Stop',
      'Zoom in',
      'Zoom out',
      'Zoom to fit',
      'Undo',
      'Redo',
      'Loop selection',
    ])
      expect(screen.getByRole('button', { name })).toBeTruthy()
    for (const name of ['Frequency axis', 'Gain', 'Range', 'Mask opacity'])
      expect(screen.getByLabelText(name)).toBeTruthy()
    expect(screen.getByRole('slider', { name: 'Playhead' })).toBeTruthy()
    // every button has a name
    for (const b of screen.getAllByRole('button'))
      expect(b.getAttribute('aria-label') || b.textContent?.trim()).toBeTruthy()
  })

  it('opens, separates, lists sources, solos, re-clusters, exports', async () => {
    const fake = mount()
    await fireEvent.click(screen.getByRole('button', { name: 'Open…' }))
    await screen.findByText('song.wav')
    expect(screen.getByText('WAV · 44.1 kHz · 24-bit · stereo · 0:10')).toBeTruthy()

    await fireEvent.click(screen.getByRole('button', { name: 'Separate' }))
    const list = await screen.findByRole('list', { name: 'Sources list' })
    expect(within(list).getAllByRole('listitem')).toHaveLength(3)
    expect(screen.getByLabelText('Suggested sources').textContent).toMatch(/3\s*\(confidence 82%\)/)
    expect(screen.getByRole('textbox', { name: 'Name of source 2' })).toHaveProperty(
      'value',
      'Source 2',
    )
    expect(screen.getByRole('slider', { name: 'Gain of source 3' })).toBeTruthy()

    const solo = screen.getByRole('button', { name: 'Solo source 1' })
    expect(solo.getAttribute('aria-pressed')).toBe('false')
    await fireEvent.click(solo)
    expect(solo.getAttribute('aria-pressed')).toBe('true')
    await fireEvent.click(screen.getByRole('button', { name: 'Mute source 2' }))
    expect(screen.getByRole('button', { name: 'Mute source 2' }).getAttribute('aria-pressed')).toBe(
      'true',
    )

    // rename commits on change
    const name = screen.getByRole('textbox', { name: 'Name of source 1' }) as HTMLInputElement
    name.value = 'Vocals'
    await fireEvent.change(name)
    await waitFor(() =>
      expect(screen.getByRole('textbox', { name: 'Name of source 1' })).toHaveProperty(
        'value',
        'Vocals',
      ),
    )

    // another count re-clusters without the network
    const select = screen.getByRole('combobox', { name: 'Sources' }) as HTMLSelectElement
    select.value = '2'
    await fireEvent.change(select)
    await waitFor(() =>
      expect(
        within(screen.getByRole('list', { name: 'Sources list' })).getAllByRole('listitem'),
      ).toHaveLength(2),
    )
    expect(fake.callsTo('analyse')).toHaveLength(1)

    // export
    await fireEvent.click(screen.getByRole('button', { name: 'Export…' }))
    const dialog = await screen.findByRole('dialog', { name: 'Export stems' })
    expect(within(dialog).getByRole('checkbox', { name: 'Vocals' })).toHaveProperty('checked', true)
    expect(within(dialog).getByRole('checkbox', { name: 'Source 2' })).toBeTruthy()
    expect(within(dialog).getByRole('button', { name: 'Choose folder…' })).toBeTruthy()
    const format = within(dialog).getByRole('combobox', { name: 'Format' }) as HTMLSelectElement
    expect([...format.options].map((o) => o.value)).toEqual([
      'wav-16',
      'wav-24',
      'wav-32f',
      'flac-16',
      'flac-24',
    ])
    expect(within(dialog).getByRole('textbox', { name: 'File name template' })).toHaveProperty(
      'value',
      '{name}.source-{index}',
    )
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Export' }))
    await within(dialog).findByText(/Exported 2 stems/)
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Reveal in folder' }))
    expect(fake.callsTo('revealInFolder')).toHaveLength(1)
  })

  it('lists recent files on the empty screen and opens one', async () => {
    const fake = mount([
      { path: '/music/take1.flac', name: 'take1.flac', exists: true },
      { path: '/gone/old.wav', name: 'old.wav', exists: false },
    ])
    const item = await screen.findByRole('button', { name: /^take1\.flac/ })
    expect(screen.getByRole('button', { name: /^old\.wav/ })).toHaveProperty('disabled', true)
    await fireEvent.click(item)
    await screen.findByText('take1.flac', { selector: '.name' })
    expect(fake.callsTo('openFile')[0].args).toEqual({ path: '/music/take1.flac' })
  })

  it('asks before replacing files', async () => {
    const fake = mount()
    await fireEvent.click(screen.getByRole('button', { name: 'Open…' }))
    await screen.findByText('song.wav')
    await fireEvent.click(screen.getByRole('button', { name: 'Separate' }))
    await screen.findByRole('list', { name: 'Sources list' })
    fake.existing.add('/music/song.source-1.wav')
    await fireEvent.click(screen.getByRole('button', { name: 'Export…' }))
    const dialog = await screen.findByRole('dialog', { name: 'Export stems' })
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Export' }))
    const confirm = await screen.findByRole('alertdialog')
    expect(within(confirm).getByText('/music/song.source-1.wav')).toBeTruthy()
    expect(fake.callsTo('exportStems')).toHaveLength(0)
    await fireEvent.click(within(confirm).getByRole('button', { name: 'Replace' }))
    await within(dialog).findByText(/Exported 3 stems/)
    expect((fake.callsTo('exportStems')[0].args as { overwrite: string }).overwrite).toBe('replace')
  })

  it("shows the engine's message in an alert and stays usable", async () => {
    const fake = mount()
    await fireEvent.click(screen.getByRole('button', { name: 'Open…' }))
    await screen.findByText('song.wav')
    fake.failNext('analyse', 'Model contract: nFft expected 512, got 1024', 'model')
    await fireEvent.click(screen.getByRole('button', { name: 'Separate' }))
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Model contract: nFft expected 512, got 1024')
    // still usable: separate again works
    await fireEvent.click(screen.getByRole('button', { name: 'Separate' }))
    await screen.findByRole('list', { name: 'Sources list' })
    await fireEvent.click(screen.getByRole('button', { name: 'Dismiss error' }))
    expect(screen.queryByRole('alert')).toBeNull()
  })

  it('shows progress with a cancel button while separating', async () => {
    const fake = mount()
    await fireEvent.click(screen.getByRole('button', { name: 'Open…' }))
    await screen.findByText('song.wav')
    const release = fake.hold('cluster')
    await fireEvent.click(screen.getByRole('button', { name: 'Separate' }))
    const bar = await screen.findByRole('progressbar', { name: 'Separation progress' })
    expect(Number(bar.getAttribute('value'))).toBeGreaterThan(0)
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }))
    await waitFor(() =>
      expect(screen.queryByRole('progressbar', { name: 'Separation progress' })).toBeNull(),
    )
    expect(fake.callsTo('cancelTask')).toHaveLength(1)
    release()
  })

  it('keyboard: space toggles play on the window', async () => {
    mount()
    await fireEvent.click(screen.getByRole('button', { name: 'Open…' }))
    await screen.findByText('song.wav')
    await fireEvent.keyDown(window, { key: ' ' })
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Play' }).getAttribute('aria-pressed')).toBe(
        'true',
      ),
    )
    await fireEvent.keyDown(window, { key: ' ' })
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Play' }).getAttribute('aria-pressed')).toBe(
        'false',
      ),
    )
  })
})
