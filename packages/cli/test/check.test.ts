import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv4 from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const root = new URL('../../../', import.meta.url).pathname;
const scratch = () => mkdtempSync(join(tmpdir(), 'nimbus-check-'));
const require = createRequire(import.meta.url);

const BAD = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: legacy
  namespace: shop
spec:
  replicas: 2
  selector: { matchLabels: { app: legacy } }
  template:
    metadata: { labels: { app: legacy } }
    spec:
      containers:
        - name: legacy
          image: legacy:latest
          env:
            - name: API_TOKEN
              value: s3cr3t-value
---
apiVersion: v1
kind: Service
metadata: { name: legacy, namespace: shop }
spec:
  type: NodePort
  selector: { app: legacy }
  ports: [{ port: 80, targetPort: 8080 }]
`;

function badDir(): string {
  const dir = scratch();
  mkdirSync(join(dir, 'manifests'));
  writeFileSync(join(dir, 'manifests/legacy.yaml'), BAD);
  return dir;
}

describe('nimbus check', () => {
  it('passes the example app with no error-severity finding, and shows the 12-factor review and scorecard', async () => {
    const r = await runCli(['check', 'examples/shop'], root);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('0 errors');
    expect(r.stdout).toContain('Twelve-factor review');
    expect(r.stdout).toMatch(/12\. Admin processes\s+met/);
    expect(r.stdout).toMatch(/Elasticity \d+(\.\d+)?/);
    // The services' build contexts depend on the runtime SDK, whose logs are JSON lines.
    expect(r.stdout).toMatch(/100% × 0\.25 +structured logs +3 of 3 services depend on a JSON logger: web \(@nimbus\/runtime\)/);
    // The same evidence backs the Logs factor of the review.
    expect(r.stdout).toMatch(/11\. Logs +met +root filesystems are read-only.*\n +3 of 3 services depend on a JSON logger/);
  });

  it('checks plain manifests and points findings at file and line; exit 1 on errors', async () => {
    const dir = badDir();
    const r = await runCli(['check', '-f', 'manifests'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Deployment shop/legacy (manifests/legacy.yaml)');
    expect(r.stdout).toMatch(
      /API_TOKEN to a literal value \[container-secret-in-env\] at spec\.template\.spec\.containers\[0\]\.env\[0\]\.value, line 17/,
    );
    expect(r.stdout).toContain("container 'legacy' uses the 'latest' tag");
    expect(r.stdout).toContain('[container-secret-in-env]');
    expect(r.stdout).toContain('[service-node-port]');
    expect(r.stdout).not.toContain('s3cr3t-value');
  });

  it('writes JSON with findings, summary and line numbers', async () => {
    const r = await runCli(['check', '-f', 'manifests', '-o', 'json'], badDir());
    const out = JSON.parse(r.stdout);
    expect(out.summary.error).toBeGreaterThan(0);
    const secret = out.findings.find((f: { ruleId: string }) => f.ruleId === 'container-secret-in-env');
    expect(secret).toMatchObject({ severity: 'error', line: 17, path: 'spec.template.spec.containers[0].env[0].value' });
  });

  it('writes SARIF 2.1.0 that validates against the SARIF schema', async () => {
    const r = await runCli(['check', '-f', 'manifests', '-o', 'sarif'], badDir());
    const sarif = JSON.parse(r.stdout);
    const schema = JSON.parse(
      readFileSync(join(require.resolve('@microsoft/jest-sarif/package.json'), '../lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
    );
    const ajv = new Ajv4({ allErrors: true, strict: false, unicodeRegExp: false });
    const validate = ajv.compile(schema);
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(sarif.runs[0].results.length).toBeGreaterThan(3);
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.region.startLine).toBeGreaterThan(0);
  });

  it('takes rule levels from a config file', async () => {
    const dir = badDir();
    writeFileSync(
      join(dir, 'policy.yaml'),
      'rules:\n  container-image-tag: warning\n  container-secret-in-env: off\n  service-node-port: off\n',
    );
    const r = await runCli(['check', '-f', 'manifests', '--config', 'policy.yaml', '-o', 'json'], dir);
    const ids = JSON.parse(r.stdout).findings.map((f: { ruleId: string; severity: string }) => `${f.ruleId}:${f.severity}`);
    expect(ids).toContain('container-image-tag:warning');
    expect(ids.some((i: string) => i.startsWith('container-secret-in-env'))).toBe(false);
  });

  it('rejects an unknown rule in the config with exit 2', async () => {
    const dir = badDir();
    writeFileSync(join(dir, 'policy.yaml'), 'rules:\n  container-image-tagg: off\n');
    const r = await runCli(['check', '-f', 'manifests', '--config', 'policy.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown rule 'container-image-tagg'");
  });

  it('exits 2 on unparsable manifests', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'x.yaml'), 'kind: [oops\n');
    const r = await runCli(['check', '-f', 'x.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('x.yaml:');
  });
});

describe('nimbus explain', () => {
  it('explains a rule and lists all rules', async () => {
    const one = await runCli(['explain', 'network-policy-dns'], root);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('Why:');
    expect(one.stdout).toContain('nimbus.dev/ignore');
    const all = await runCli(['explain'], root);
    expect(all.stdout.split('\n').filter(Boolean).length).toBeGreaterThan(30);
  });
  it('suggests the closest rule for a typo', async () => {
    const r = await runCli(['explain', 'container-image-tg'], root);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("did you mean 'container-image-tag'?");
  });
});

describe('check -f on directories as people keep them', () => {
  it('checks what nimbus render --out wrote, passing over its kustomization', async () => {
    const dir = scratch();
    const out = join(dir, 'bundle');
    expect((await runCli(['render', join(root, 'test/fixtures/specs/minimal/nimbus.yaml'), '--out', out], dir)).code).toBe(0);
    const r = await runCli(['check', '-f', out, '-o', 'json'], dir);
    expect(r.code, r.stderr).not.toBe(2);
    const findings = (JSON.parse(r.stdout) as { findings: { ruleId: string; message: string }[] }).findings;
    expect(findings.filter((f) => f.ruleId === 'not-kubernetes').map((f) => f.message)).toEqual([
      'skipped: a kustomization: build it (kubectl kustomize DIR) to check what it produces',
    ]);
    expect(findings.some((f) => f.ruleId === 'schema')).toBe(false);
  });
});

describe('objects of one name in different files', () => {
  it('keep their own file and line, and the duplicate is itself a finding', async () => {
    const dir = scratch();
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    const pod = (image: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata: { name: same, namespace: ns }\nspec:\n  containers: [{ name: c, image: ${image} }]\n`;
    writeFileSync(join(dir, 'a/pod.yaml'), pod('app:latest'));
    writeFileSync(join(dir, 'b/pod.yaml'), `# second copy\n${pod('app:1.0.0')}`);
    const r = await runCli(['check', '-f', 'a', 'b', '-o', 'json'], dir);
    const findings = (JSON.parse(r.stdout) as { findings: { ruleId: string; file?: string; line?: number }[] }).findings;
    expect(findings.find((f) => f.ruleId === 'container-image-tag')?.file).toBe(join('a', 'pod.yaml'));
    expect(findings.find((f) => f.ruleId === 'duplicate-object')).toMatchObject({ file: join('b', 'pod.yaml'), line: 2 });
    // Each copy's own findings point at its own file.
    const files = new Set(findings.filter((f) => f.ruleId === 'pod-run-as-non-root').map((f) => f.file));
    expect(files).toEqual(new Set([join('a', 'pod.yaml'), join('b', 'pod.yaml')]));
  });
});

describe('findings that fit partial inputs', () => {
  const SUBSET = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews]
  http: [{ route: [{ destination: { host: reviews, subset: v2 } }] }]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: reviews, namespace: shop }
spec: { scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: reviews }, minReplicas: 2, maxReplicas: 4 }
`;
  const levels = (stdout: string) =>
    Object.fromEntries(
      (JSON.parse(stdout) as { findings: { ruleId: string; severity: string; fix: string }[] }).findings
        .filter((f) => ['mesh-subset-defined', 'hpa-target'].includes(f.ruleId))
        .map((f) => [f.ruleId, f.severity]),
    );

  it('a reference to something not in the files is a warning, an error with --complete', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'subset.yaml'), SUBSET);
    const partial = await runCli(['check', '-f', 'subset.yaml', '-o', 'json'], dir);
    expect(levels(partial.stdout)).toEqual({ 'mesh-subset-defined': 'warning', 'hpa-target': 'warning' });
    expect(partial.stdout).toContain('--complete treats them as the whole app');
    const complete = await runCli(['check', '-f', 'subset.yaml', '--complete', '-o', 'json'], dir);
    expect(levels(complete.stdout)).toEqual({ 'mesh-subset-defined': 'error', 'hpa-target': 'error' });
    expect(complete.code).toBe(1);
  });

  it('prints the scorecard for plain manifests only when asked; --quiet prints the findings alone', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'bad.yaml'), BAD);
    const plain = await runCli(['check', '-f', 'bad.yaml'], dir);
    expect(plain.stdout).not.toContain('Elasticity');
    const asked = await runCli(['check', '-f', 'bad.yaml', '--scorecard'], dir);
    expect(asked.stdout).toMatch(/Elasticity \d+/);
    const spec = join(root, 'examples/shop/nimbus.yaml');
    const quiet = await runCli(['check', spec, '--quiet'], dir);
    expect(quiet.stdout).not.toContain('Elasticity');
    expect(quiet.stdout).not.toContain('Twelve-factor');
    expect((await runCli(['-q', 'check', spec], dir)).stdout).toBe(quiet.stdout);
  });
});
