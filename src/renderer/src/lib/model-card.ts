/**
 * The model card in words (issue 16): what the shipped model can and cannot do, one line per
 * measured case of its metadata, the numbers read at run time. Only the names of the evaluation
 * splits are this file's; a split it does not know is shown by its own name.
 */
import type { ModelCard, ModelCardScore } from '../../../shared/ipc'

/** Below this SI-SDR improvement (dB) a case counts as not separated. */
export const SEPARATED_DB = 1

/** What each evaluation split of the training pipeline holds, in the user's words. */
const SPLITS: Record<string, string> = {
  bank_trio: 'A trio of instruments in a sound bank it never heard',
  bank_ens2: '2 instruments in a sound bank it never heard',
  bank_ens3: '3 instruments in a sound bank it never heard',
  bank_ens4: '4 instruments in a sound bank it never heard',
  trio_pieces: 'A trio of instruments (unseen pieces, a sound bank it trained on)',
  trio_bank: 'A trio of instruments in a sound bank it never heard',
  music2: '2 instruments (unseen pieces, a sound bank it trained on)',
  music3: '3 instruments (unseen pieces, a sound bank it trained on)',
  music4: '4 instruments (unseen pieces, a sound bank it trained on)',
  speech2: 'Two people talking (voices it never heard)',
  fof: 'Real band recordings (lead guitar against the band)',
}

/** One line of the card. */
export interface ModelCardLine {
  what: string
  /** False: no better than the mixture (below SEPARATED_DB). */
  separated: boolean
  verdict: string
}

const db = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)} dB`

/** The card's lines, in the metadata's order. */
export function modelCardLines(card: ModelCard): ModelCardLine[] {
  return card.scores.map((s: ModelCardScore) => {
    const separated = s.sisdri >= SEPARATED_DB
    const ratio = s.sisdriIbm > 0 ? s.sisdri / s.sisdriIbm : 0
    return {
      what: Object.hasOwn(SPLITS, s.split) ? SPLITS[s.split]! : `${s.split} (${s.sources} sources)`,
      separated,
      verdict: separated
        ? `${db(s.sisdri)}, ${ratio.toFixed(2)} × the ideal mask`
        : `not separated (${db(s.sisdri)} against the mixture)`,
    }
  })
}
