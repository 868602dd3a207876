#!/usr/bin/env node
// Downloads the corpus of upstream manifests (scripts/lib/corpus.mjs) into the
// Go module cache and prints where each directory is, for `nimbus check -f`.
import { corpusDirs } from './lib/corpus.mjs';

for (const { name, dir } of corpusDirs()) console.log(`${name}\t${dir}`);
