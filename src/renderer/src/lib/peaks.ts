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

/** Scales peaks so the largest magnitude is `target` (silence stays silence). */
export function normalizePeaks(peaks: Float32Array, target = 0.95): Float32Array {
  let max = 0
  for (let i = 0; i < peaks.length; i++) {
    const a = Math.abs(peaks[i])
    if (a > max) max = a
  }
  if (max > 0) {
    const g = target / max
    for (let i = 0; i < peaks.length; i++) peaks[i] *= g
  }
  return peaks
}

/**
 * wavesurfer `renderFunction`: draws one channel of signed peaks as a min/max envelope, one
 * fillRect per pixel column and no allocation (wavesurfer's own line renderer builds an object
 * per point, which costs long tasks on 30-minute files).
 */
export function drawPeaks(channels: ArrayLike<number>[], ctx: CanvasRenderingContext2D): void {
  const data = channels[0]
  if (!data || data.length === 0) return
  const { width, height } = ctx.canvas
  const half = height / 2
  const perPx = data.length / width
  for (let x = 0; x < width; x++) {
    const a = Math.floor(x * perPx)
    const b = Math.max(a + 1, Math.floor((x + 1) * perPx))
    let lo = 0
    let hi = 0
    for (let i = a; i < b && i < data.length; i++) {
      const v = data[i]
      if (v > hi) hi = v
      else if (v < lo) lo = v
    }
    const top = Math.round(half - hi * half)
    const bottom = Math.round(half - lo * half)
    ctx.fillRect(x, top, 1, Math.max(1, bottom - top))
  }
}
