// The bundled custom resource schemas match the upstream CRDs they name: the
// modules are downloaded through the Go module proxy (checksums verified) and
// converted again with the same code; any difference means the bundle was
// edited by hand or its sources changed without `node scripts/update-crd-schemas.mjs`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildCrdBundle, CRD_SOURCES } from '../../scripts/lib/crd-bundle.mjs';

const bundled = JSON.parse(readFileSync(new URL('../../packages/check/src/crd-schemas.json', import.meta.url), 'utf8'));

describe('bundled CRD schemas', () => {
  it('name the sources the update script uses', () => {
    expect(bundled.sources).toEqual(CRD_SOURCES);
  });

  it('are exactly what the upstream CRDs give today (no drift)', async () => {
    const fresh = await buildCrdBundle(bundled.sources);
    expect(Object.keys(fresh.kinds)).toEqual(Object.keys(bundled.kinds));
    expect(fresh).toEqual(bundled);
  }, 600_000);
});
