/** The command line of the bench scripts: `--name value` options and `--name` flags. */
const argv = process.argv.slice(2)

/** The value after `--name`, or undefined when it is not given. */
export function opt(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : undefined
}

/** Whether `--name` is given. */
export function flag(name: string): boolean {
  return argv.includes(`--${name}`)
}
