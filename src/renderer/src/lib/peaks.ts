/**
 * Waveform peaks for wavesurfer: one display channel made from all channels (max magnitude), as
 * alternating +peak / -peak so the waveform is drawn symmetric around the centre line. Signed input
 * (min/max pairs) is kept as it is, merged across channels by magnitude.
 */
export function symmetricPeaks(channels: Float32Array[]): Float32Array {
  if (channels.length === 0) return new Float32Array(0)
  const n = channels[0].length
  let signed = false
  for (const c of channels) {
    for (let i = 0; i < c.length; i++) {
      if (c[i] < 0) {
        signed = true
        break
      }
    }
    if (signed) break
  }
  const merged = new Float32Array(n)
  for (const c of channels) {
    for (let i = 0; i < n; i++) if (Math.abs(c[i]) > Math.abs(merged[i])) merged[i] = c[i]
  }
  if (signed) return merged
  const out = new Float32Array(2 * n)
  for (let i = 0; i < n; i++) {
    out[2 * i] = merged[i]
    out[2 * i + 1] = -merged[i]
  }
  return out
}
