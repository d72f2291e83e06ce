/** Peak resident memory of the bench's processes. */
import { readFileSync } from 'node:fs'

/**
 * Peak resident memory of this process, bytes: VmHWM from /proc (Linux), else getrusage's maxRSS.
 * (maxRSS is inherited through fork + exec on Linux, so a child of a big parent would report the
 * parent's size; VmHWM belongs to this process image only.)
 */
export function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
    if (m) return Number(m[1]) * 1024
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024
}
