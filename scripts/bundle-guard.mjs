// Bundles the guard sidecar (packages/guard/src/main.ts and its dependencies: the runtime SDK,
// pino, prom-client, yaml) into one file, packages/guard/image/guard.mjs, so its image needs
// nothing but Node. `docker build packages/guard` then makes the image.
import { mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url).pathname;
mkdirSync(`${root}packages/guard/image`, { recursive: true });
await build({
  entryPoints: [`${root}packages/guard/src/main.ts`],
  outfile: `${root}packages/guard/image/guard.mjs`,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  alias: { '@nimbus/runtime': `${root}packages/runtime/src/index.ts` },
  // The CommonJS dependencies call require() for Node built-ins, which an ES module lacks.
  banner: {
    js: "import { createRequire as nimbusCreateRequire } from 'node:module'; const require = nimbusCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  legalComments: 'none',
});
