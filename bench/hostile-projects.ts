/**
 * Hostile `.unweave` files (issue 16) at the sizes: for each, one process opens it as the
 * CLI and the app do (openProject) and reports the verdict, the time to it and its peak memory.
 * `node scripts/run-ts.mjs bench/hostile-projects.ts` (also part of `npm run bench`). Targets: a
 * refusal within 10 s and a peak under 1 GB for any file.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { openProject } from '../src/node/project/index'
import { hostileProjects, validProject } from '../test/helpers/hostile-projects'
import { peakRss } from './peak-rss'

interface Verdict {
  ms: number
  peakMB: number
  verdict: string
}

/** Child: opens one file and prints its Verdict as JSON. */
async function openOne(file: string): Promise<void> {
  const t = performance.now()
  let verdict: string
  try {
    await openProject(file, { editor: true })
    verdict = 'opened'
  } catch (e) {
    verdict = `${(e as Error).constructor.name}: ${(e as Error).message}`
  }
  const r: Verdict = { ms: performance.now() - t, peakMB: peakRss() / 2 ** 20, verdict }
  process.stdout.write(`${JSON.stringify(r)}\n`)
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--open')
  if (i >= 0) return openOne(process.argv[i + 1]!)
  const dir = mkdtempSync(join(tmpdir(), 'unweave-hostile-bench-'))
  try {
    // A valid 10 s project (3 sources) of a 10 s recording: the base of every crafted file.
    const { good, c } = await validProject(dir, { sec: 10, model: 'unweave-dc' })
    const cases = [
      { name: 'valid (baseline)', bytes: () => good, expect: /^opened$/ },
      ...hostileProjects(c),
    ]
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    )
    console.log('| file | size on disk | verdict | time to verdict (s) | peak RSS (MB) |')
    console.log('|---|---|---|---|---|')
    let worstMs = 0
    let worstMB = 0
    for (const hc of cases) {
      const file = join(dir, `${hc.name.replace(/\W+/g, '-')}.unweave`)
      writeFileSync(file, hc.bytes())
      const size = statSync(file).size
      const r = spawnSync(
        process.execPath,
        ['scripts/run-ts.mjs', 'bench/hostile-projects.ts', '--open', file],
        {
          encoding: 'utf8',
          timeout: 120_000,
        },
      )
      const line = r.stdout.trim().split('\n').pop() ?? ''
      const v: Verdict = line.startsWith('{')
        ? (JSON.parse(line) as Verdict)
        : {
            ms: NaN,
            peakMB: NaN,
            verdict: `no verdict (exit ${r.status}, ${r.signal ?? ''}): ${r.stderr.slice(-200)}`,
          }
      const ok = hc.expect.test(v.verdict.replace(/^InputError: /, '')) ? '' : ' **UNEXPECTED**'
      if (hc.name !== 'valid (baseline)') {
        worstMs = Math.max(worstMs, v.ms)
        worstMB = Math.max(worstMB, v.peakMB)
      }
      console.log(
        `| ${hc.name} | ${(size / 1024).toFixed(0)} KB | ${v.verdict.slice(0, 110).replace(/\|/g, '/')}${ok} | ${(v.ms / 1000).toFixed(2)} | ${v.peakMB.toFixed(0)} |`,
      )
    }
    console.log(
      `\nworst hostile file: ${(worstMs / 1000).toFixed(2)} s to the verdict, peak ${worstMB.toFixed(0)} MB (targets: 10 s, 1 GB); the peak includes Node and the TypeScript loader (see the baseline)`,
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
