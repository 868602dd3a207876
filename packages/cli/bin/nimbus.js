#!/usr/bin/env node
// Stable entry point, present before the TypeScript build so npm can link it.
import '../dist/bin.js';
