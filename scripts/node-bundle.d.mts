/** esbuild's options for a Node ESM bundle with external packages (see node-bundle.mjs). */
export declare const nodeBundle: {
  bundle: true
  platform: 'node'
  format: 'esm'
  target: 'node20'
  packages: 'external'
  logLevel: 'warning'
}
