/**
 * No two modules of src/ import each other, directly or around a circle (type imports count too:
 * a circle of types still means neither module can be read without the other).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { expect, it } from 'vitest'
import { repoRoot } from '../bridge/build'

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) sources(p, out)
    else if (/\.(ts|svelte)$/.test(name) && !name.endsWith('.test.ts')) out.push(p)
  }
  return out
}

/** The source file a relative specifier names, if any. */
function resolveSpec(from: string, spec: string): string | undefined {
  const p = normalize(join(dirname(from), spec))
  return [p, `${p}.ts`, join(p, 'index.ts')].find((c) => existsSync(c) && statSync(c).isFile())
}

it('src/ has no import circles', () => {
  const files = sources(join(repoRoot, 'src'))
  const edges = new Map<string, string[]>()
  for (const f of files) {
    const text = readFileSync(f, 'utf8')
    const targets = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)]
      .map((m) => resolveSpec(f, m[1]!))
      .filter((t): t is string => !!t && !t.endsWith('.test.ts'))
    edges.set(f, targets)
  }
  // depth-first search; a module met again while still on the path closes a circle
  const circles: string[] = []
  const state = new Map<string, 'open' | 'done'>()
  const path: string[] = []
  const visit = (f: string): void => {
    state.set(f, 'open')
    path.push(f)
    for (const t of edges.get(f) ?? []) {
      if (state.get(t) === 'open')
        circles.push(
          path
            .slice(path.indexOf(t))
            .concat(t)
            .map((p) => relative(repoRoot, p))
            .join(' -> '),
        )
      else if (!state.has(t)) visit(t)
    }
    path.pop()
    state.set(f, 'done')
  }
  for (const f of files) if (!state.has(f)) visit(f)
  expect(circles).toEqual([])
})
