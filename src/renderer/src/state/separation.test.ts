// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import { Backend } from '../lib/backend'
import { createFakeApi } from '../test/fake-api'
import { Separation, estimateEta } from './separation.svelte'

function setup(opts = {}) {
  const fake = createFakeApi(opts)
  const backend = new Backend(fake.api)
  const sep = new Separation(backend)
  sep.setFile(fake.file.fileId)
  return { fake, backend, sep }
}

describe('Separation', () => {
  it("separates with 'auto': runs the network once, takes the suggested count, fetches masks", async () => {
    const { fake, sep } = setup({ suggested: 3 })
    expect(await sep.separate()).toBe(true)
    expect(sep.k).toBe(3)
    expect(sep.suggestion?.count).toBe(3)
    expect(sep.suggestion?.confidence).toBeCloseTo(0.82)
    expect(sep.hasResult).toBe(true)
    expect(sep.masks?.k).toBe(3)
    expect(sep.masks?.masks[0].length).toBe(sep.masks!.frames * sep.masks!.bins)
    expect(sep.sources.map((s) => s.name)).toEqual(['Source 1', 'Source 2', 'Source 3'])
    // the shares are main's getEnergyShares (the fake: 1/6, 2/6, 3/6), not the summary's
    await vi.waitFor(() => expect(sep.sources[2].energyShare).toBeCloseTo(3 / 6))
    expect(fake.callsTo('analyse')).toHaveLength(1)
    expect(fake.callsTo('cluster')[0].args).toMatchObject({ sourceCount: 'auto' })
    expect(sep.progress).toBeNull()
  })

  it('changing the count re-clusters from the cached analysis (no network)', async () => {
    const { fake, sep } = setup()
    await sep.separate()
    expect(await sep.setCount(2)).toBe(true)
    expect(sep.k).toBe(2)
    expect(sep.masks?.k).toBe(2)
    expect(fake.callsTo('analyse')).toHaveLength(1)
    expect(fake.callsTo('cluster')).toHaveLength(2)
    // same count: nothing to do
    expect(await sep.setCount(2)).toBe(false)
    expect(fake.callsTo('cluster')).toHaveLength(2)
    // 'auto' goes back to the suggestion
    expect(await sep.setCount('auto')).toBe(true)
    expect(sep.k).toBe(3)
  })

  it('stereo placement: asked of analyse and cluster; a change runs the network again, a count change keeps it', async () => {
    const { fake, sep } = setup({ channels: 2 })
    await sep.separate()
    expect(sep.resultStereoCue).toBe(0)
    expect(fake.callsTo('analyse')[0].args).toMatchObject({ stereoCue: false })
    sep.stereoCue = true
    await sep.separate()
    expect(fake.callsTo('analyse')).toHaveLength(2) // another setting: the network runs again
    expect(fake.callsTo('analyse')[1].args).toMatchObject({ stereoCue: true })
    expect(fake.callsTo('cluster')[1].args).toMatchObject({ stereoCue: true })
    expect(sep.resultStereoCue).toBe(2)
    // the control alone changes nothing; a count change keeps the result's setting
    sep.stereoCue = false
    expect(await sep.setCount(2)).toBe(true)
    expect(fake.callsTo('cluster')[2].args).toMatchObject({ sourceCount: 2, stereoCue: true })
    expect(fake.callsTo('analyse')).toHaveLength(2)
    expect(sep.resultStereoCue).toBe(2)
    // the same setting again: no new network run
    sep.stereoCue = true
    await sep.separate()
    expect(fake.callsTo('analyse')).toHaveLength(2)
  })

  it('stereo placement on a mono file: main reports it was not applied', async () => {
    const { sep } = setup({ channels: 1 })
    sep.stereoCue = true
    await sep.separate()
    expect(sep.hasResult).toBe(true)
    expect(sep.resultStereoCue).toBe(0)
  })

  it('before a separation, the count only sets the request; counts are clamped to 1..8', async () => {
    const { fake, sep } = setup()
    expect(await sep.setCount(12)).toBe(false)
    expect(sep.requested).toBe(8)
    await sep.setCount(0)
    expect(sep.requested).toBe(1)
    expect(fake.callsTo('cluster')).toHaveLength(0)
    await sep.setCount(4)
    await sep.separate()
    expect(sep.k).toBe(4)
  })

  it('reports progress while running and cancels through cancelTask', async () => {
    const { fake, sep } = setup()
    const release = fake.hold('analyse')
    const run = sep.separate()
    await Promise.resolve()
    expect(sep.running).toBe(true)
    expect(sep.progress?.kind).toBe('separate')
    await sep.cancel()
    expect(sep.running).toBe(false)
    const taskId = (fake.callsTo('cancelTask')[0].args as { taskId: string }).taskId
    expect(taskId).toMatch(/^separate-/)
    release()
    expect(await run).toBe(false)
    expect(sep.hasResult).toBe(false)
  })

  it("throws the engine's message and keeps the previous result", async () => {
    const { fake, sep } = setup()
    await sep.separate()
    fake.failNext('cluster', 'k-means failed: out of memory', 'engine')
    await expect(sep.setCount(5)).rejects.toThrow('k-means failed: out of memory')
    expect(sep.k).toBe(3)
    expect(sep.running).toBe(false)
  })

  it('keeps names and colours by index across re-clusterings; empty name resets', async () => {
    const { sep } = setup()
    await sep.separate()
    sep.rename(0, '  Vocals ')
    sep.recolour(1, '#123456')
    await sep.setCount(4)
    expect(sep.sources[0].name).toBe('Vocals')
    expect(sep.sources[1].colour).toBe('#123456')
    sep.rename(0, '')
    expect(sep.sources[0].name).toBe('Source 1')
    expect(sep.names).toHaveLength(4)
  })

  it('a new file forgets everything', async () => {
    const { fake, sep } = setup()
    await sep.separate()
    sep.setFile('file-2')
    expect(sep.k).toBe(0)
    expect(sep.hasResult).toBe(false)
    await sep.separate()
    expect(fake.callsTo('analyse')).toHaveLength(2)
  })

  it('estimates the time left', () => {
    expect(estimateEta(0.5, 12, 0, 1000)).toBe(12)
    expect(estimateEta(0.01, null, 0, 1000)).toBeNull()
    expect(estimateEta(0.25, null, 0, 10_000)).toBeCloseTo(30)
  })
})
