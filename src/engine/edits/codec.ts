/**
 * Plain-data encodings of masks and edit history for project files (the container and its
 * compression are the caller's): exact, so a decoded project replays to the very same floats.
 */
import type { SourceGrid, SourceMasks } from '../types'
import { EDIT_TOOLS, type EditAction, type EditTool } from '../../shared/ipc'
import { quantizeMasks } from './canonical'
import { checkAction, type EditCommand } from './edit-ops'
import { checkPacked, lazyMasks, MASK_SCALE, packedFor, planeBytes } from './planes'

/** Encoded canonical automatic masks. */
export interface EncodedMasks {
  /**
   * 'labels-u8': hard masks, one uint8 source index per bin [n];
   * 'u12-planes': sources 0..k-2 as 12-bit integers (value * 4095), each plane stored as its n high
   * bytes (v >> 4) then its n low nibbles packed two per byte (even bin in the low nibble); the
   * last source is 4095 minus the others.
   */
  encoding: 'labels-u8' | 'u12-planes'
  data: Uint8Array
}

/** Encodes canonical masks (see canonicalMasks) exactly. */
export function encodeMasks(masks: SourceMasks): EncodedMasks {
  const { k } = masks
  const n = masks.frames * masks.bins
  const packed = packedFor(masks)
  if (packed) return encodePacked(packed)
  const m = masks.masks
  let hard = true
  for (let s = 0; s < k && hard; s++) {
    const a = m[s]
    for (let i = 0; i < n; i++)
      if (a[i] !== 0 && a[i] !== 1) {
        hard = false
        break
      }
  }
  if (hard) {
    const data = new Uint8Array(n)
    for (let s = 1; s < k; s++) {
      const a = m[s]
      for (let i = 0; i < n; i++) if (a[i] === 1) data[i] = s
    }
    return { encoding: 'labels-u8', data }
  }
  const pb = planeBytes(n)
  const data = new Uint8Array(pb * Math.max(0, k - 1))
  // Canonical masks are multiples of 1/4095 summing to 4095 units: rounding recovers them exactly
  // (checked per bin); anything else goes through quantizeMasks first.
  const q = new Uint16Array(n)
  const rest = new Int32Array(n).fill(MASK_SCALE)
  let exact = true
  for (let s = 0; s < k - 1; s++) {
    const a = m[s]
    for (let i = 0; i < n; i++) {
      const v = Math.round(a[i] * MASK_SCALE)
      q[i] = v
      rest[i] -= v
    }
    writePlane(q, n, data, s * pb)
  }
  const last = m[k - 1]
  for (let i = 0; i < n && exact; i++)
    if (rest[i] < 0 || Math.round(last[i] * MASK_SCALE) !== rest[i]) exact = false
  if (!exact) {
    const qs = quantizeMasks(masks)
    for (let s = 0; s < k - 1; s++) writePlane(qs[s], n, data, s * pb)
  }
  return { encoding: 'u12-planes', data }
}

function writePlane(q: Uint16Array, n: number, data: Uint8Array, off: number): void {
  const lo = off + n
  for (let i = 0; i < n; i++) data[off + i] = q[i] >>> 4
  for (let i = 0; i + 1 < n; i += 2) data[lo + (i >> 1)] = (q[i] & 15) | ((q[i + 1] & 15) << 4)
  if (n & 1) data[lo + (n >> 1)] = q[n - 1] & 15
}

/** The encoding of packed planes as they are: labels when every bin is all one source's. */
function encodePacked(p: { k: number; n: number; data: Uint8Array }): EncodedMasks {
  const { k, n, data } = p
  const pb = planeBytes(n)
  const labels = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    let rest = MASK_SCALE
    let label = k - 1
    const odd = i & 1
    for (let s = 0, hi = i, lo = n + (i >> 1); s < k - 1; s++, hi += pb, lo += pb) {
      const nib = data[lo]
      const v = (data[hi] << 4) | (odd ? nib >>> 4 : nib & 15)
      if (v !== 0 && v !== MASK_SCALE) return { encoding: 'u12-planes', data }
      if (v === MASK_SCALE) label = s
      rest -= v
    }
    if (rest !== 0 && rest !== MASK_SCALE) return { encoding: 'u12-planes', data }
    labels[i] = label
  }
  return { encoding: 'labels-u8', data: labels }
}

/** Decodes masks written by encodeMasks(); throws RangeError if the data does not fit the grid. */
export function decodeMasks(enc: EncodedMasks, grid: SourceGrid): SourceMasks {
  const { k } = grid
  const n = grid.frames * grid.bins
  if (enc.encoding === 'labels-u8') {
    if (enc.data.length !== n)
      throw new RangeError(`mask labels: ${enc.data.length} bytes for ${n} bins`)
    const masks = Array.from({ length: k }, () => new Float32Array(n))
    for (let i = 0; i < n; i++) {
      const s = enc.data[i]
      if (s >= k) throw new RangeError(`mask labels: source ${s} at bin ${i}, but k = ${k}`)
      masks[s][i] = 1
    }
    return { ...grid, masks }
  }
  if (enc.encoding !== 'u12-planes')
    throw new RangeError(`unknown mask encoding '${String(enc.encoding)}'`)
  const pb = planeBytes(n)
  if (enc.data.length !== pb * Math.max(0, k - 1))
    throw new RangeError(`mask planes: ${enc.data.length} bytes, expected ${pb * (k - 1)}`)
  // Checked now (a damaged file fails on opening); the float arrays are made only if read.
  const packed = { k, n, data: enc.data }
  checkPacked(packed)
  return lazyMasks(grid, packed)
}

/** A command's JSON part: the action and its selection box; the weights are at [offset, offset + frames * bins) of `bytes`. */
export interface EncodedCommand {
  action: EditAction
  /** The tool (optional; files before issue 17 have none, unknown names are dropped). */
  tool?: EditTool
  frame0: number
  frames: number
  bin0: number
  bins: number
  offset: number
}

/** Undo and redo stacks as JSON-able records plus one byte blob of selection weights. */
export interface EncodedHistory {
  undo: EncodedCommand[]
  redo: EncodedCommand[]
  bytes: Uint8Array
}

/** Encodes the undo stack (oldest first) and the redo stack (next to redo last). */
export function encodeHistory(undo: EditCommand[], redo: EditCommand[]): EncodedHistory {
  let total = 0
  for (const c of [...undo, ...redo]) total += c.selection.weights.length
  const bytes = new Uint8Array(total)
  let off = 0
  const enc = (c: EditCommand): EncodedCommand => {
    const s = c.selection
    bytes.set(s.weights, off)
    const r: EncodedCommand = {
      action: c.action,
      ...(c.tool ? { tool: c.tool } : {}),
      frame0: s.frame0,
      frames: s.frames,
      bin0: s.bin0,
      bins: s.bins,
      offset: off,
    }
    off += s.weights.length
    return r
  }
  return { undo: undo.map(enc), redo: redo.map(enc), bytes }
}

/** Decodes a history; checks every record against the grid and k (RangeError naming the record). */
export function decodeHistory(
  h: { undo: unknown; redo: unknown },
  bytes: Uint8Array,
  grid: { frames: number; bins: number; k: number },
): { undo: EditCommand[]; redo: EditCommand[] } {
  const dec = (list: unknown, name: string): EditCommand[] => {
    if (!Array.isArray(list)) throw new RangeError(`history.${name} is not a list`)
    return list.map((r: EncodedCommand, i) => {
      const int = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 0
      if (
        !r ||
        !int(r.frame0) ||
        !int(r.frames) ||
        !int(r.bin0) ||
        !int(r.bins) ||
        !int(r.offset) ||
        r.frame0 + r.frames > grid.frames ||
        r.bin0 + r.bins > grid.bins ||
        r.offset + r.frames * r.bins > bytes.length
      )
        throw new RangeError(`history.${name}[${i}] has a selection outside the grid or the data`)
      try {
        checkAction(r.action, grid.k)
      } catch (e) {
        throw new RangeError(`history.${name}[${i}]: ${(e as Error).message}`)
      }
      const a = r.action
      const action: EditAction =
        a.type === 'assign'
          ? { type: 'assign', to: a.to }
          : a.type === 'move'
            ? { type: 'move', from: a.from, to: a.to }
            : { type: a.type }
      const tool = (EDIT_TOOLS as readonly unknown[]).includes(r.tool) ? r.tool : undefined
      return {
        action,
        ...(tool ? { tool } : {}),
        selection: {
          frame0: r.frame0,
          frames: r.frames,
          bin0: r.bin0,
          bins: r.bins,
          // a view, not a copy: 1,000 edits hold ~17 MB of weights (selections are never written)
          weights: bytes.subarray(r.offset, r.offset + r.frames * r.bins),
        },
      }
    })
  }
  return { undo: dec(h.undo, 'undo'), redo: dec(h.redo, 'redo') }
}
