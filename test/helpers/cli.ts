/** Running the `unweave` command as a user does, for the CLI and project-export tests. */
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'

/** The repository root. */
export const ROOT = resolve(__dirname, '../..')
/** The command's launcher. */
export const BIN = join(ROOT, 'bin/unweave.js')
/** The plumbing model of the tests (tiny, random weights). */
export const TINY = join(ROOT, 'test/fixtures/tiny-random.json')

/** What a run of the command gave. */
export interface Run {
  status: number | null
  stdout: string
  stderr: string
}

/** Runs the CLI like a user; stdout/stderr are pipes (no TTY); no UNWEAVE_MODEL from outside. */
export function cli(...args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, UNWEAVE_MODEL: '' },
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** `unweave separate <input> --sources <sources> --out <out> --model <model>` and `more`. */
export function separate(
  input: string,
  sources: string,
  out: string,
  model: string,
  ...more: string[]
): Run {
  return cli('separate', input, '--sources', sources, '--out', out, '--model', model, ...more)
}
