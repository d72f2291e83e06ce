/** CRC-32 as zip uses it. */
import * as zlib from 'node:zlib'

/** zlib.crc32 (Node 20.15+, 22.2+; not in the typings of every @types/node 20). */
const zlibCrc32 = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32

/** CRC-32 (zip's): zlib's native one where Node has it, else a table. */
export const crc32: (data: Uint8Array) => number =
  typeof zlibCrc32 === 'function'
    ? (d) => zlibCrc32(d) >>> 0
    : (() => {
        const table = new Int32Array(256)
        for (let n = 0; n < 256; n++) {
          let c = n
          for (let j = 0; j < 8; j++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
          table[n] = c
        }
        return (d: Uint8Array) => {
          let c = -1
          for (let i = 0; i < d.length; i++) c = table[(c ^ d[i]!) & 255]! ^ (c >>> 8)
          return (c ^ -1) >>> 0
        }
      })()
