/**
 * No file in src/ runs over 500 lines unless its opening comment says why ("Over 500 lines: …"),
 * so a file that keeps growing is split or explained (docs/architecture.md, "Files over 500 lines").
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { expect, it } from 'vitest'
import { repoRoot } from '../bridge/build'

const LIMIT = 500

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) sources(p, out)
    else if (/\.(ts|svelte|css)$/.test(name)) out.push(p)
  }
  return out
}

/** Whether the comment at the top of a file (its first 40 lines) gives the reason. */
const saysWhy = (text: string): boolean =>
  /over 500 lines/i.test(text.split('\n').slice(0, 40).join('\n'))

it(`every file of src/ over ${LIMIT} lines says why at its top`, () => {
  const unexplained: string[] = []
  for (const f of sources(join(repoRoot, 'src'))) {
    const text = readFileSync(f, 'utf8')
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0)
    if (lines > LIMIT && !saysWhy(text)) unexplained.push(`${relative(repoRoot, f)}: ${lines}`)
  }
  expect(unexplained).toEqual([])
})
