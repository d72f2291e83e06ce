// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/svelte'
import { afterEach, describe, expect, it } from 'vitest'
import App from '../App.svelte'
import { createFakeApi, FakeAudioContext } from '../test/fake-api'
import type { AudioContextLike } from '../state/playback.svelte'

afterEach(() => cleanup())

describe('Mask tools panel', () => {
  it('names every tool with its shortcut, picks tools by key, lists edits in the history', async () => {
    const fake = createFakeApi({ suggested: 3 })
    render(App, {
      props: {
        api: fake.api,
        createAudioContext: () => new FakeAudioContext() as unknown as AudioContextLike,
      },
    })
    const bar = screen.getByRole('toolbar', { name: 'Mask tools' })
    const names = ['Brush', 'Eraser', 'Rectangle', 'Lasso', 'Time range', 'Frequency band', 'Wand']
    for (const name of names)
      expect(within(bar).getByRole('button', { name })).toHaveProperty('disabled', true)
    expect(
      within(bar).getByRole('button', { name: 'Brush' }).getAttribute('aria-keyshortcuts'),
    ).toBe('B')

    await fireEvent.click(screen.getByRole('button', { name: 'Open…' }))
    await screen.findByText('song.wav')
    await fireEvent.click(screen.getByRole('button', { name: 'Separate' }))
    await screen.findByRole('list', { name: 'Sources list' })
    const brush = within(bar).getByRole('button', { name: 'Brush' })
    expect(brush).toHaveProperty('disabled', false)
    await fireEvent.keyDown(window, { key: 'r' })
    expect(
      within(bar).getByRole('button', { name: 'Rectangle' }).getAttribute('aria-pressed'),
    ).toBe('true')
    await fireEvent.click(brush)
    expect(brush.getAttribute('aria-pressed')).toBe('true')
    expect(screen.getByTestId('spectrogram').dataset.tool).toBe('brush')
    expect(screen.getByRole('combobox', { name: 'Target source' })).toBeTruthy()
    expect(screen.getByLabelText('Brush size')).toBeTruthy()
    expect(screen.getByLabelText('Softness')).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Assign to target' })).toHaveProperty(
      'disabled',
      true,
    )
    expect(screen.getByRole('status', { name: 'Selection' }).textContent).toMatch(/No selection/)
    expect(screen.getByRole('list', { name: 'History' })).toBeTruthy()
  })
})
