#!/usr/bin/env node
// Writes packages/check/src/crd-schemas.json: the schemas of the custom
// resources `nimbus check` and `deploy` validate offline (Istio, Gateway API,
// Argo CD, Prometheus Operator), derived from the CRDs in their Go modules.
// To move to newer releases, change CRD_SOURCES in scripts/lib/crd-bundle.mjs
// and run this; the drift test fails until the bundle matches its sources.
import { writeFileSync } from 'node:fs';
import { buildCrdBundle } from './lib/crd-bundle.mjs';

const bundle = await buildCrdBundle();
const file = new URL('../packages/check/src/crd-schemas.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(bundle)}\n`);
const shared = Object.keys(bundle.definitions).filter((d) => d.startsWith('shared.')).length;
console.log(`wrote ${Object.keys(bundle.kinds).length} custom kinds (${shared} shared definitions) to ${file.pathname}`);
