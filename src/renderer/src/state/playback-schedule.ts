/** The scheduling maths of playback: the spans it plays next and the segments it has scheduled. */
import { BLOCK_SEC } from './playback-blocks'

/** A loop region, seconds. */
export interface LoopRegion {
  startSec: number
  endSec: number
}

/** A span of the file scheduled on the audio clock, with its nodes. */
export interface Segment {
  ctxStart: number
  fileStart: number
  duration: number
  nodes: AudioBufferSourceNode[]
}

/**
 * The file span the next segment covers, from `start` (back to the loop start past its end): up to
 * the end of its block, the loop end or the file end; null at the end of the file.
 */
export function nextSpan(
  start: number,
  loop: LoopRegion | null,
  durationSec: number,
): { start: number; end: number; block: number } | null {
  if (loop && start >= loop.endSec - 1e-6) start = loop.startSec
  if (start >= durationSec - 1e-6) return null
  const block = Math.floor(start / BLOCK_SEC + 1e-9)
  let end = Math.min((block + 1) * BLOCK_SEC, durationSec)
  if (loop && start < loop.endSec) end = Math.min(end, loop.endSec)
  return { start, end, block }
}

/** Stops the nodes of every segment at context time `at` (0: now, and disconnects them). */
export function stopSegments(segments: Segment[], at: number): void {
  for (const s of segments) {
    for (const n of s.nodes) {
      try {
        n.stop(at)
      } catch {
        /* not started */
      }
      if (at === 0) n.disconnect()
    }
  }
}
