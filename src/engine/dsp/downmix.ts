/** The analysis signal: the mean of the channels, float32 [channels][n] -> [n] (a copy for mono). */
export function downmix(channels: Float32Array[]): Float32Array {
  if (channels.length === 0) throw new RangeError('downmix: no channels')
  const n = channels[0].length
  for (const c of channels)
    if (c.length !== n) throw new RangeError('downmix: channels differ in length')
  if (channels.length === 1) return channels[0].slice()
  const out = new Float32Array(n)
  const g = 1 / channels.length
  if (channels.length === 2) {
    const a = channels[0]
    const b = channels[1]
    for (let i = 0; i < n; i++) out[i] = (a[i] + b[i]) * 0.5
    return out
  }
  for (let i = 0; i < n; i++) {
    let s = 0
    for (let c = 0; c < channels.length; c++) s += channels[c][i]
    out[i] = s * g
  }
  return out
}
