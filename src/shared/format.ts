/** Words and numbers as people read them, shared by the app and the command line. */

/**
 * "1:23.4" (or "1:02:03.4" from an hour on): seconds rounded to `decimals` before they are split
 * into hours, minutes and seconds, so 59.96 s reads "1:00.0", never "0:60.0".
 */
export function formatTime(sec: number, decimals = 1): string {
  if (!Number.isFinite(sec) || sec < 0) sec = 0
  const scale = 10 ** decimals
  const units = Math.round(sec * scale)
  const whole = Math.floor(units / scale)
  const h = Math.floor(whole / 3600)
  const m = Math.floor((whole % 3600) / 60)
  const s = (whole % 60) + (units % scale) / scale
  const ss = s.toFixed(decimals).padStart(decimals > 0 ? 3 + decimals : 2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}
