// esbuild's options for a Node ESM bundle with its packages left external (resolved from
// node_modules at run time): the CLI (build-cli.mjs), TypeScript scripts (run-ts.mjs) and the
// test bridge's engine process (test/bridge/build.ts) are bundled alike.
export const nodeBundle = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
}
