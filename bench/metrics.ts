/** Separation metrics (Le Roux et al. 2019) for bench/eval. */

/** SI-SDR (dB) of an estimate against a reference, channels concatenated, both made zero-mean. */
export function siSdr(est: Float32Array[], ref: Float32Array[]): number {
  let me = 0
  let mr = 0
  let n = 0
  est.forEach((e, c) => {
    for (let i = 0; i < e.length; i++) {
      me += e[i]
      mr += ref[c][i]
    }
    n += e.length
  })
  me /= n
  mr /= n
  let dot = 0
  let rr = 0
  est.forEach((e, c) => {
    const r = ref[c]
    for (let i = 0; i < e.length; i++) {
      dot += (e[i] - me) * (r[i] - mr)
      rr += (r[i] - mr) ** 2
    }
  })
  const a = rr > 0 ? dot / rr : 0
  let num = 0
  let den = 0
  est.forEach((e, c) => {
    const r = ref[c]
    for (let i = 0; i < e.length; i++) {
      const s = a * (r[i] - mr)
      num += s * s
      den += (s - (e[i] - me)) ** 2
    }
  })
  return 10 * Math.log10((num + 1e-20) / (den + 1e-20))
}

function permutations(k: number): number[][] {
  if (k === 1) return [[0]]
  const out: number[][] = []
  for (const p of permutations(k - 1))
    for (let i = 0; i <= p.length; i++) out.push([...p.slice(0, i), k - 1, ...p.slice(i)])
  return out
}

/** Mean SI-SDR improvement over the mixture, best assignment of estimates to references. */
export function siSdrImprovement(
  estimates: Float32Array[][],
  refs: Float32Array[][],
  mix: Float32Array[],
): number {
  const k = refs.length
  const base = refs.map((r) => siSdr(mix, r))
  const table = estimates.map((e) => refs.map((r) => siSdr(e, r)))
  let best = -Infinity
  if (estimates.length === k) {
    for (const p of permutations(k))
      best = Math.max(best, p.reduce((s, e, r) => s + table[e][r] - base[r], 0) / k)
  } else {
    // Different counts: each reference takes its best estimate.
    best =
      refs.reduce((s, _r, ri) => s + Math.max(...table.map((row) => row[ri])) - base[ri], 0) / k
  }
  return best
}
