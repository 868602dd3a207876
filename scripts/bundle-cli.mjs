#!/usr/bin/env node
// Builds the `nimbus` command as one CommonJS file, packages/cli/dist/nimbus.cjs, and V8's
// code cache for it (nimbus.cjs.cache). Start-up is most of a short command: as ~150 ES
// modules, Node resolves, reads and compiles each one at every start; as one script with a
// code cache it deserialises the compiled functions it needs in a few milliseconds. The
// library packages stay ES modules; only the command line is built this way. Run by the
// build after tsc, from the compiled packages, so the one-file build runs the same code.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url).pathname;
const cliDist = `${root}packages/cli/dist`;
const outfile = `${cliDist}/nimbus.cjs`;

/**
 * A package module that finds its files beside itself (`new URL('x', import.meta.url)`) keeps
 * doing so from the one file: `import.meta.url` becomes the URL the module has in its own
 * installed package, resolved at run time, whatever the layout of node_modules.
 */
const moduleUrlsOfPackages = {
  name: 'nimbus-module-urls',
  setup(b) {
    b.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/]dist[\\/].+\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const [, pkg, inDist] = /[\\/]packages[\\/]([^\\/]+)[\\/]dist[\\/](.+)$/.exec(args.path) ?? [];
      const call = `__nimbusModuleUrl(${JSON.stringify(`@nimbus/${pkg}`)}, ${JSON.stringify(inDist.replaceAll('\\', '/'))})`;
      return { contents: source.replaceAll('import.meta.url', call), loader: 'js' };
    });
  },
};

const result = await build({
  entryPoints: [`${cliDist}/entry.js`],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Native and optional modules stay where npm put them.
  external: ['cpu-features', 'ssh2'],
  plugins: [moduleUrlsOfPackages],
  banner: {
    js: [
      '"use strict";',
      'const __nimbusModuleUrl = (pkg, file) =>',
      "  require('node:url').pathToFileURL(require('node:path').join(require('node:path').dirname(require.resolve(pkg)), file)).href;",
    ].join('\n'),
  },
  // ASCII only, so the command can read it as Latin-1: a one-byte string, the cheapest to load.
  // Without comments and layout: a smaller file to read. Names stay, for stack traces.
  charset: 'ascii',
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs)[0]?.bytes ?? 0;
const body = readFileSync(outfile, 'latin1');
if (/[\u0080-\uffff]/.test(body)) throw new Error(`${outfile} is not ASCII: the command reads it as Latin-1`);
// The build's identity leads the file and heads its code cache: V8 checks only a source's
// length, so the command uses a cache only when it was made for this very file.
const buildId = createHash('sha256').update(body).digest('hex').slice(0, 16);
writeFileSync(outfile, `/*nimbus-build:${buildId}*/${body}`, 'latin1');
rmSync(`${outfile}.cache`, { force: true });
console.log(
  `bundled the CLI: ${Object.keys(result.metafile.inputs).length} modules, ${(bytes / 1e6).toFixed(1)} MB -> ${relative(root, outfile)}`,
);

// The code cache comes from commands run on the examples, so it holds the functions a
// render or a check compiles, not only the top level.
const trained = spawnSync(process.execPath, [`${root}scripts/lib/train-cli-cache.cjs`, outfile, root], { stdio: 'inherit' });
if (trained.status !== 0) process.exit(trained.status ?? 1);
