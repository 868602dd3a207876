#!/usr/bin/env node
// Precompiles the Kubernetes schema validators `nimbus check` and `deploy` use into
// packages/check/dist/kubernetes-validators.cjs and crd-validators.cjs (Ajv standalone code), so a command
// loads them in milliseconds instead of compiling them at every start. Run by the
// build; the schemas and options come from the built check package itself, so the
// precompiled validators and the fallback compile can never differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Script } from 'node:vm';

const checkDist = new URL('../packages/check/dist/', import.meta.url);
const require = createRequire(checkDist);
const standaloneCode = require('ajv/dist/standalone').default;
const { validatorSource, crdValidatorSource, wrapCommonJs } = await import(new URL('schema-validation.js', checkDist).href);

/**
 * V8's code cache for a generated module, written beside it: the module is
 * compiled as the check package loads it and every validator is run once, so
 * the cache holds their compiled code too.
 */
function writeCodeCache(file) {
  const source = readFileSync(file, 'latin1');
  const script = new Script(wrapCommonJs(source), { filename: file.pathname });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module);
  for (const validate of Object.values(module.exports)) if (typeof validate === 'function') validate({});
  writeFileSync(new URL(`${file.href}.cache`), script.createCachedData());
}

for (const [what, source] of [
  ['Kubernetes', validatorSource],
  ['custom resource', crdValidatorSource],
]) {
  const { ajv, files } = source();
  for (const [file, refs] of Object.entries(files)) {
    const t0 = performance.now();
    // ASCII only (other characters as \u escapes, the same in strings, patterns and names), so the
    // check package can read the file as Latin-1.
    const ascii = standaloneCode(ajv, refs).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    writeFileSync(new URL(file, checkDist), ascii);
    writeCodeCache(new URL(file, checkDist));
    console.log(`precompiled ${Object.keys(refs).length} ${what} validators into ${file} in ${Math.round(performance.now() - t0)} ms`);
  }
}
