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
  // A cache from another Node version is rejected by V8, and the script compiles as usual.
  const cachedData = read(`${filename}.cache`);
  const script = new Script(Module.wrap(source), {
    filename,
    cachedData,
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(filename), module, filename, join(__dirname, '..', 'dist'));
  const codeCache = cachedData === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'accepted';
  module.exports.runCli(process.argv.slice(2), { build: 'one-file', codeCache });
}
