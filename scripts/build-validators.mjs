#!/usr/bin/env node
// Precompiles the Kubernetes schema validators `nimbus check` and `deploy` use into
// packages/check/dist/kubernetes-validators.cjs (Ajv standalone code), so a command
// loads them in milliseconds instead of compiling them at every start. Run by the
// build; the schemas and options come from the built check package itself, so the
// precompiled validators and the fallback compile can never differ.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const checkDist = new URL('../packages/check/dist/', import.meta.url);
const require = createRequire(checkDist);
const standaloneCode = require('ajv/dist/standalone').default;
const { validatorSource } = await import(new URL('schema-validation.js', checkDist).href);

const t0 = performance.now();
const { ajv, refs } = validatorSource();
writeFileSync(new URL('kubernetes-validators.cjs', checkDist), standaloneCode(ajv, refs));
console.log(`precompiled ${Object.keys(refs).length} Kubernetes validators in ${Math.round(performance.now() - t0)} ms`);
