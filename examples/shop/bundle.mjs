// Bundles each shop service with its dependencies (the Nimbus runtime SDK,
// prom-client, pino, ioredis) into one file, `<service>/dist/server.mjs`, so
// its image needs nothing but Node: no registry access during `docker build`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const here = new URL('.', import.meta.url).pathname;
const services = ['api', 'web', 'worker'];

await Promise.all(
  services.map(async (service) => {
    mkdirSync(`${here}${service}/dist`, { recursive: true });
    await build({
      entryPoints: [`${here}${service}/server.js`],
      outfile: `${here}${service}/dist/server.mjs`,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      // The CommonJS dependencies call require() for Node built-ins, which an ES module lacks.
      banner: {
        js: "import { createRequire as nimbusCreateRequire } from 'node:module'; const require = nimbusCreateRequire(import.meta.url);",
      },
      logLevel: 'warning',
      legalComments: 'none',
    });
  }),
);
// The api's admin processes (its Job and CronJob run `node dist/<task>.js`): CommonJS, as the image has no package.json.
await Promise.all(
  ['migrate', 'expire-carts'].map((task) =>
    build({
      entryPoints: [`${here}api/${task}.js`],
      outfile: `${here}api/dist/${task}.js`,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      logLevel: 'warning',
      legalComments: 'none',
    }),
  ),
);
// The admin bundles are CommonJS wherever they run, whatever package.json sits above them.
writeFileSync(`${here}api/dist/package.json`, '{ "type": "commonjs" }\n');
console.log(`bundled ${services.map((s) => `${s}/dist/server.mjs`).join(', ')}`);
