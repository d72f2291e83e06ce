/**
 * Main's half of "quit with unsaved edits asks" (issue 16): the close guard that index.ts calls
 * from the window's 'close' event. Electron's own events (close, before-quit) need the binary,
 * which the build machines lack; the e2e drives this guard through the bridge with the real page.
 */
import { describe, expect, it } from 'vitest'
import { CloseGuard } from '../../src/main/close-guard'

function guard() {
  const log: string[] = []
  let id = 0
  const g = new CloseGuard({
    ask: (n) => {
      id = n
      log.push('ask')
    },
    proceed: (quit) => log.push(quit ? 'quit' : 'close'),
  })
  return { g, log, id: () => id }
}

describe('CloseGuard', () => {
  it('lets the window go at once without unsaved edits', () => {
    const { g, log } = guard()
    expect(g.request()).toBe(true)
    g.setUnsaved(true)
    g.setUnsaved(false)
    expect(g.request()).toBe(true)
    expect(log).toEqual([])
  })

  it('keeps the window and asks with unsaved edits; Cancel keeps it, a later yes closes', () => {
    const { g, log, id } = guard()
    g.setUnsaved(true)
    expect(g.request()).toBe(false)
    expect(log).toEqual(['ask'])
    g.answer(id(), false)
    expect(log).toEqual(['ask'])
    expect(g.request()).toBe(false)
    g.answer(id(), true)
    expect(log).toEqual(['ask', 'ask', 'close'])
    // the window now closes (Electron calls close again, and the guard lets it)
    expect(g.request()).toBe(true)
  })

  it('a quit that was kept quits once the renderer says yes; a Cancel forgets the quit', () => {
    const { g, log, id } = guard()
    g.setUnsaved(true)
    g.quitRequested()
    expect(g.request()).toBe(false)
    g.answer(id(), false)
    // a plain close afterwards is a close, not the quit that was called off
    expect(g.request()).toBe(false)
    g.answer(id(), true)
    expect(log).toEqual(['ask', 'ask', 'close'])
    const q = guard()
    q.g.setUnsaved(true)
    q.g.quitRequested()
    expect(q.g.request()).toBe(false)
    q.g.answer(q.id(), true)
    expect(q.log).toEqual(['ask', 'quit'])
  })

  it('ignores an answer nobody asked for (a page cannot close the window by itself)', () => {
    const { g, log } = guard()
    g.setUnsaved(true)
    g.answer(1, true)
    expect(log).toEqual([])
    expect(g.request()).toBe(false)
  })

  it('asks again on a second close; only the answer to the latest question counts', () => {
    const { g, log, id } = guard()
    g.setUnsaved(true)
    expect(g.request()).toBe(false)
    const first = id()
    expect(g.request()).toBe(false)
    expect(log).toEqual(['ask', 'ask'])
    expect(g.pending(first)).toBe(false)
    g.answer(first, true)
    expect(log).toEqual(['ask', 'ask'])
    expect(g.pending(id())).toBe(true)
    g.answer(id(), true)
    expect(log).toEqual(['ask', 'ask', 'close'])
  })

  it('a new page holds nothing until it says so', () => {
    const { g } = guard()
    g.setUnsaved(true)
    expect(g.request()).toBe(false)
    g.pageLoaded()
    expect(g.unsaved).toBe(false)
    expect(g.asking).toBe(false)
    expect(g.request()).toBe(true)
  })
})
