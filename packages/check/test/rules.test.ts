import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES, runChecks } from '@nimbus/check';
import type { KubeObject } from '@nimbus/model';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { RULE_CASES } from './rule-cases.js';

const objects = (text: string): KubeObject[] => parseAllDocuments(text).flatMap((d) => (Array.isArray(d) ? [] : [d.toJS() as KubeObject]));
const golden = new URL('../../../test/golden/minimal/', import.meta.url).pathname;
const minimal = readdirSync(golden)
  .filter((f) => f !== 'kustomization.yaml')
  .flatMap((f) => objects(readFileSync(join(golden, f), 'utf8')));

describe('rule table', () => {
  it('has a failing case for every rule', () => {
    expect(RULES.map((r) => r.id).filter((id) => !RULE_CASES[id])).toEqual([]);
  });

  it('the rendered minimal bundle passes every rule and the schema', () => {
    expect(runChecks(minimal)).toEqual([]);
  });

  for (const [id, c] of Object.entries(RULE_CASES)) {
    it(`${id}: the failing case is caught`, () => {
      const findings = runChecks(objects(c.fail)).filter((f) => f.ruleId === id);
      expect(findings.length, `${id} found nothing`).toBeGreaterThan(0);
      for (const f of findings) {
        expect(f.message.length).toBeGreaterThan(5);
        expect(f.resource?.name).toBeTruthy();
        expect(f.fix).toBeTruthy();
      }
    });
    if (c.pass) {
      it(`${id}: the passing case is clean`, () => {
        expect(runChecks(objects(c.pass as string)).filter((f) => f.ruleId === id)).toEqual([]);
      });
    }
  }

  it('every rule explains why and how to fix', () => {
    for (const r of RULES) {
      expect(r.why.length, r.id).toBeGreaterThan(30);
      expect(r.fix.length, r.id).toBeGreaterThan(10);
      expect(r.id).toMatch(/^[a-z]+(-[a-z]+)+$/);
    }
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
  });
});

describe('schema validation', () => {
  it('names the object and the field path of each problem, unknown fields included', () => {
    const findings = runChecks(objects(RULE_CASES.schema?.fail as string)).filter((f) => f.ruleId === 'schema');
    const byPath = Object.fromEntries(findings.map((f) => [f.path, f.message]));
    expect(byPath['spec.replicas']).toBe('must be integer');
    expect(byPath['spec.template.spec.containers[0].imagePullPolcy']).toBe("unknown field 'imagePullPolcy'");
    expect(findings[0]?.resource).toMatchObject({ kind: 'Deployment', name: 'd' });
  });

  it('accepts int-or-string and quantities in both forms', () => {
    const text = `apiVersion: v1
kind: Service
metadata: { name: s }
spec: { ports: [{ port: 80, targetPort: http }, { port: 81, targetPort: 8081 }] }
---
apiVersion: v1
kind: Pod
metadata: { name: p }
spec: { containers: [{ name: c, image: a:1, resources: { requests: { cpu: 1, memory: 64Mi }, limits: { cpu: "1.5" } } }] }
`;
    expect(runChecks(objects(text)).filter((f) => f.ruleId === 'schema')).toEqual([]);
  });

  it('reports kinds it has no schema for as info, not as errors', () => {
    const [f] = runChecks(objects('apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n'));
    expect(f).toMatchObject({ ruleId: 'schema-unknown-kind', severity: 'info' });
  });
});

describe('configuration', () => {
  const fail = RULE_CASES['container-cpu-limit']?.fail as string;
  it('turns a rule off or re-levels it', () => {
    expect(
      runChecks(objects(fail), { config: { rules: { 'container-cpu-limit': 'off' } } }).some((f) => f.ruleId === 'container-cpu-limit'),
    ).toBe(false);
    const relevel = runChecks(objects(fail), { config: { rules: { 'container-cpu-limit': 'error' } } }).find(
      (f) => f.ruleId === 'container-cpu-limit',
    );
    expect(relevel?.severity).toBe('error');
  });
  it('skips rules named in an object’s ignore annotation', () => {
    const annotated = fail.replace(
      'metadata:\n',
      'metadata:\n  annotations: { nimbus.dev/ignore: "container-cpu-limit, label-recommended" }\n',
    );
    expect(runChecks(objects(annotated)).some((f) => f.ruleId === 'container-cpu-limit')).toBe(false);
  });
});
