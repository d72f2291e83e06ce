/**
 * Every path a doc or a source comment cites exists in the repository: every markdown file (the
 * READMEs, docs/, the model card, bench results) and the comments of src/, bench/, scripts/, test/
 * and training/ (Python and shell too) may name files and folders only if they are there.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../bridge/build'

const ROOTS = ['src', 'docs', 'test', 'bench', 'scripts', 'training', 'models', 'examples', 'bin']
/** Paths made by running things (builds, tests, data generation), not kept in the repository. */
const MADE = [/^out\//, /^test-results\//, /^training\/(cache|checkpoints|runs)\//, /^node_modules\//]

/** Folders not walked: installed packages, caches, and what training makes (not in the repository). */
const SKIP = new Set(['node_modules', '__pycache__', 'cache', 'checkpoints', 'runs'])

function files(dir: string, keep: (f: string) => boolean, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name) || name.startsWith('.')) continue
    const p = join(dir, name)
    if (statSync(p).isDirectory()) files(p, keep, out)
    else if (keep(p)) out.push(p)
  }
  return out
}

/** The repository paths a text names (from its root folders on), and its markdown links. */
function citedPaths(file: string, text: string): string[] {
  const out: string[] = []
  const re = new RegExp(`(?<![\\w./@-])((?:${ROOTS.join('|')})/[\\w./-]*[\\w/])`, 'g')
  for (const m of text.matchAll(re)) out.push(m[1]!)
  if (file.endsWith('.md'))
    for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
      const target = m[1]!
      if (/^[a-z]+:/.test(target)) continue // a URL
      out.push(relative(repoRoot, join(file, '..', target)))
    }
  return out.filter((p) => !/[*<{]/.test(p) && !MADE.some((r) => r.test(p)))
}

/**
 * Whether a cited path is there: as named, or without its extension (`models/unweave-dc` names
 * the model's files, `bench/eval` the script), from the root or, in a README, from its folder.
 */
function exists(p: string, citer: string): boolean {
  const bases = [repoRoot, ...(citer.endsWith('.md') ? [join(citer, '..')] : [])]
  return bases.some((base) => {
    const full = join(base, p)
    if (existsSync(full)) return true
    const dir = join(full, '..')
    const name = full.slice(dir.length + 1)
    return existsSync(dir) && readdirSync(dir).some((f) => f.startsWith(`${name}.`))
  })
}

/**
 * The comments of a source file (line and block comments; strings are left out); of Python and
 * shell, the # comments and (Python) the docstrings.
 */
function comments(file: string, src: string): string {
  const re = /\.(py|sh)$/.test(file)
    ? /"""[\s\S]*?"""|(?<!['"$\w{])#.*$/gm
    : /\/\*[\s\S]*?\*\/|(?<![:'"`\w])\/\/.*$/gm
  return [...src.matchAll(re)].map((m) => m[0]).join('\n')
}

describe('cited paths', () => {
  const docs = [
    join(repoRoot, 'README.md'),
    ...ROOTS.flatMap((d) => files(join(repoRoot, d), (f) => f.endsWith('.md'))),
  ]
  const sources = ['src', 'bench', 'scripts', 'test', 'training'].flatMap((d) =>
    files(join(repoRoot, d), (f) => /\.(ts|svelte|mjs|js|py|sh)$/.test(f)),
  )

  it('every path a doc or a comment names exists', () => {
    const missing: string[] = []
    for (const f of [...docs, ...sources]) {
      const text = readFileSync(f, 'utf8')
      const cited = citedPaths(f, f.endsWith('.md') ? text : comments(f, text))
      for (const p of cited) if (!exists(p, f)) missing.push(`${relative(repoRoot, f)}: ${p}`)
    }
    expect(missing).toEqual([])
  })

  it('no doc or comment cites a file outside the repository', () => {
    const outside: string[] = []
    for (const f of [...docs, ...sources]) {
      const text = readFileSync(f, 'utf8')
      const body = f.endsWith('.md') ? text : comments(f, text)
      for (const m of body.matchAll(/\.\.\/shared\/docs|\bAPI\.md\b|\.coord\//g))
        outside.push(`${relative(repoRoot, f)}: ${m[0]}`)
    }
    expect(outside).toEqual([])
  })
})
