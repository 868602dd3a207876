#!/usr/bin/env node
// Stable entry point, present before the build so npm can link it. The build also makes the
// command one file with V8's code cache (dist/nimbus.cjs, scripts/bundle-cli.mjs), which starts
// far faster than its modules one by one; without it (sources only, or NIMBUS_NO_BUNDLE=1 when
// debugging the modules) the modules run as they are. CommonJS: Node starts it sooner than an
// ES module.
'use strict';
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { join } = require('node:path');
const { constants, Script } = require('node:vm');

const filename = join(__dirname, '..', 'dist', 'nimbus.cjs');
const read = (file, encoding) => {
  try {
    return readFileSync(file, encoding);
  } catch {
    return undefined;
  }
};
// The build writes the file ASCII only: Latin-1 gives V8 a one-byte string without decoding.
const source = process.env.NIMBUS_NO_BUNDLE ? undefined : read(filename, 'latin1');
if (source === undefined) {
  import('../dist/bin.js');
} else {
  // The cache is used only when it was made for this very file (the build id heads both); V8
  // itself rejects one from another Node version, and the script then compiles as usual.
  const id = /^\/\*nimbus-build:([0-9a-f]{16})\*\//.exec(source)?.[1];
  const header = `nimbus-cache:${id}\n`;
  const cache = id && read(`${filename}.cache`);
  const cachedData = cache && cache.toString('latin1', 0, header.length) === header ? cache.subarray(header.length) : undefined;
  const script = new Script(Module.wrap(source), {
    filename,
    cachedData,
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(filename), module, filename, join(__dirname, '..', 'dist'));
  const codeCache = cachedData === undefined ? (cache ? 'rejected' : 'absent') : script.cachedDataRejected ? 'rejected' : 'accepted';
  module.exports.runCli(process.argv.slice(2), { build: 'one-file', codeCache });
}
