import { readFileSync } from 'node:fs';
import { appJsonSchema, ERROR_CATALOG, errorCatalogMarkdown, referenceMarkdown } from '@nimbus/model';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), 'utf8');
const hint = 'out of date: run `npm run docs:update`';

describe('generated documentation', () => {
  it('docs/errors.md lists every error code', () => {
    expect(read('docs/errors.md'), hint).toBe(errorCatalogMarkdown());
    for (const code of Object.keys(ERROR_CATALOG)) expect(read('docs/errors.md')).toContain(`\`${code}\``);
  });
  it('schema/nimbus.v1alpha1.json is the schema the loader uses', () => {
    expect(JSON.parse(read('schema/nimbus.v1alpha1.json')), hint).toEqual(appJsonSchema());
  });
  it('docs/reference.md documents every field', () => {
    expect(read('docs/reference.md'), hint).toBe(referenceMarkdown());
    expect(read('docs/reference.md')).toContain('spec.services.<name>.autoscaling.max');
  });
  it('error codes are stable identifiers', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOG)) {
      expect(code).toMatch(/^NIMBUS_[A-Z_]+$/);
      expect(entry.hint.length).toBeGreaterThan(10);
      expect([1, 2, 70]).toContain(entry.exitCode);
    }
  });
});
