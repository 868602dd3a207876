import { isPlainSafe, toYaml } from '@nimbus/render';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// JSON has no negative zero, so compare against the value as JSON sees it.
const json = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const awkward = fc.constantFrom(
  'on',
  'off',
  'yes',
  'No',
  'Y',
  'n',
  'NULL',
  '~',
  'true',
  '0755',
  '1e3',
  '12:30',
  '0x1F',
  '.inf',
  '- a',
  '? x',
  'a: b',
  'a #b',
  ' lead',
  'trail ',
  '',
  'multi\nline',
  'x\n\n',
  '"q"',
  "'s'",
  '@at',
  '*ref',
  '&anc',
  '!tag',
  '%pct',
  '`tick',
  '|pipe',
  '>gt',
  '{',
  '[',
  '2026-11-26',
);

describe('YAML writer', () => {
  it('round-trips any JSON value through YAML 1.2 and YAML 1.1 readers', () => {
    fc.assert(
      fc.property(json, (value) => {
        const text = toYaml(value);
        expect(parse(text)).toEqual(value);
        expect(parse(text, { version: '1.1' })).toEqual(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('quotes every string a YAML 1.1 reader would take as something else', () => {
    fc.assert(
      fc.property(fc.dictionary(awkward, awkward), fc.array(awkward), (map, list) => {
        const value = { map, list };
        const text = toYaml(value);
        expect(parse(text, { version: '1.1' })).toEqual(value);
        expect(parse(text)).toEqual(value);
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves ordinary identifiers unquoted', () => {
    for (const s of ['nginx', 'apps/v1', 'registry.local:5000/shop/api', '/health', 'RuntimeDefault']) expect(isPlainSafe(s)).toBe(true);
    for (const s of ['on', 'yes', 'N', '1.4.2', '80', 'a: b', '12:30', 'E0', 'e12']) expect(isPlainSafe(s)).toBe(false);
  });

  it('puts identity keys first and the rest in alphabetical order', () => {
    expect(toYaml({ spec: { b: 1, a: 2 }, metadata: { labels: {}, name: 'x' }, kind: 'K', apiVersion: 'v1' })).toBe(
      'apiVersion: v1\nkind: K\nmetadata:\n  name: x\n  labels: {}\nspec:\n  a: 2\n  b: 1\n',
    );
  });
});
