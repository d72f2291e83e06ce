/** Deterministic test signals for bench/eval (music-like: bass line, a vibrato lead, noise percussion). */

/** A 3-source stereo "song" at `rate` Hz, `seconds` long; the sources are returned beside the mix if asked. */
export function syntheticSong(
  rate: number,
  seconds: number,
  withSources = false,
): { mix: Float32Array[]; sources?: Float32Array[][] } {
  const n = Math.round(rate * seconds)
  const mix = [new Float32Array(n), new Float32Array(n)]
  const sources = withSources
    ? [0, 1, 2].map(() => [new Float32Array(n), new Float32Array(n)])
    : undefined
  const bassNotes = [41.2, 55, 49, 36.7, 43.65, 58.27]
  const leadNotes = [440, 493.9, 523.3, 587.3, 659.3, 587.3, 523.3, 392]
  let seed = 12345
  const rnd = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
    return seed / 2 ** 32 - 0.5
  }
  let bassPhase = 0
  let leadPhase = 0
  let hat = 0
  let lp = 0
  for (let i = 0; i < n; i++) {
    const t = i / rate
    const beat = t * 2 // 120 bpm
    const bf = bassNotes[Math.floor(beat / 2) % bassNotes.length]
    bassPhase += (2 * Math.PI * bf) / rate
    const benv = Math.exp(-3 * (beat % 1))
    const bass =
      0.35 *
      benv *
      (Math.sin(bassPhase) + 0.5 * Math.sin(2 * bassPhase) + 0.25 * Math.sin(3 * bassPhase))
    const lf =
      leadNotes[Math.floor(beat) % leadNotes.length] * (1 + 0.006 * Math.sin(2 * Math.PI * 5.5 * t))
    leadPhase += (2 * Math.PI * lf) / rate
    let lead = 0
    for (let h = 1; h <= 8; h++) lead += Math.sin(h * leadPhase) / h
    lead *= 0.12 * (0.6 + 0.4 * Math.sin(2 * Math.PI * 0.25 * t))
    const sixteenth = (t * 8) % 1
    if (sixteenth < (1 / rate) * 8) hat = 1
    hat *= Math.exp(-60 / rate)
    const noise = rnd()
    lp = 0.7 * lp + 0.3 * noise
    const perc = 0.25 * hat * (noise - lp) * 2
    const l = 0.9 * bass + 0.7 * lead + 1.0 * perc
    const r = 0.9 * bass + 0.5 * lead + 0.8 * perc
    mix[0][i] = l
    mix[1][i] = r
    if (sources) {
      sources[0][0][i] = 0.9 * bass
      sources[0][1][i] = 0.9 * bass
      sources[1][0][i] = 0.7 * lead
      sources[1][1][i] = 0.5 * lead
      sources[2][0][i] = perc
      sources[2][1][i] = 0.8 * perc
    }
  }
  return { mix, sources }
}
