import { describe, expect, it } from 'vitest'
import { modelCardLines, SEPARATED_DB } from './model-card'

describe('modelCardLines', () => {
  it('says each case in words with its numbers; below SEPARATED_DB it is "not separated"', () => {
    const lines = modelCardLines({
      name: 'm',
      version: '1',
      steps: 10,
      scores: [
        { split: 'trio_pieces', sources: 3, sisdri: 8.51, sisdriIbm: 10.89 },
        { split: 'speech2', sources: 2, sisdri: -0.33, sisdriIbm: 11.71 },
        { split: 'bank_ens4', sources: 4, sisdri: 4.57, sisdriIbm: 12.61 },
        { split: 'brand_new', sources: 5, sisdri: SEPARATED_DB, sisdriIbm: 4 },
      ],
    })
    expect(lines).toEqual([
      {
        what: 'A trio of instruments (unseen pieces, a sound bank it trained on)',
        separated: true,
        verdict: '+8.5 dB, 0.78 × the ideal mask',
      },
      {
        what: 'Two people talking (voices it never heard)',
        separated: false,
        verdict: 'not separated (−0.3 dB against the mixture)',
      },
      {
        what: '4 instruments in a sound bank it never heard',
        separated: true,
        verdict: '+4.6 dB, 0.36 × the ideal mask',
      },
      { what: 'brand_new (5 sources)', separated: true, verdict: '+1.0 dB, 0.25 × the ideal mask' },
    ])
  })

  it('a split named like an object property is not looked up on the prototype', () => {
    const [l] = modelCardLines({
      name: 'm',
      version: '1',
      steps: null,
      scores: [{ split: 'constructor', sources: 2, sisdri: 0, sisdriIbm: 1 }],
    })
    expect(l!.what).toBe('constructor (2 sources)')
  })
})
