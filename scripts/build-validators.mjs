#!/usr/bin/env node
// Precompiles the Kubernetes schema validators `nimbus check` and `deploy` use into
// packages/check/dist/kubernetes-validators.cjs and crd-validators.cjs (Ajv standalone code), so a command
// loads them in milliseconds instead of compiling them at every start. Run by the
// build; the schemas and options come from the built check package itself, so the
// precompiled validators and the fallback compile can never differ.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const checkDist = new URL('../packages/check/dist/', import.meta.url);
const require = createRequire(checkDist);
const standaloneCode = require('ajv/dist/standalone').default;
const { validatorSource, crdValidatorSource } = await import(new URL('schema-validation.js', checkDist).href);

for (const [what, source, file] of [
  ['Kubernetes', validatorSource, 'kubernetes-validators.cjs'],
  ['custom resource', crdValidatorSource, 'crd-validators.cjs'],
]) {
  const t0 = performance.now();
  const { ajv, refs } = source();
  writeFileSync(new URL(file, checkDist), standaloneCode(ajv, refs));
  console.log(`precompiled ${Object.keys(refs).length} ${what} validators in ${Math.round(performance.now() - t0)} ms`);
}
