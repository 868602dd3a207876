import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runCli } from './helpers.js';

const root = new URL('../../../', import.meta.url).pathname;
const shop = join(root, 'examples/shop/nimbus.yaml');
const scratch = () => mkdtempSync(join(tmpdir(), 'nimbus-cli-'));

describe('nimbus render', () => {
  it('prints a YAML stream of the whole bundle', async () => {
    const r = await runCli(['render', shop], root);
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout);
    expect(Array.isArray(docs) && docs.length).toBe(23);
    expect(r.stdout).toContain('kind: HorizontalPodAutoscaler');
  });

  it('prints a kubectl-style List with -o json', async () => {
    const r = await runCli(['render', shop, '-o', 'json', '--env', 'dev'], root);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list.kind).toBe('List');
    expect(list.items.filter((o: { kind: string }) => o.kind === 'HorizontalPodAutoscaler')).toHaveLength(0);
  });

  it('writes one file per object, a kustomization and the HTML report', async () => {
    const dir = scratch();
    const r = await runCli(['render', shop, '--out', join(dir, 'bundle'), '--report', join(dir, 'report.html')], root);
    expect(r.code).toBe(0);
    const files = readdirSync(join(dir, 'bundle'));
    expect(files).toContain('kustomization.yaml');
    expect(files).toContain('deployment-api.yaml');
    const kustomization = readFileSync(join(dir, 'bundle/kustomization.yaml'), 'utf8');
    expect(kustomization.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(23);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toMatch(/class="node service".*>api</);
    expect(html).not.toContain('<script');
  });

  it('overrides the namespace with -n', async () => {
    const r = await runCli(['render', shop, '-n', 'shop-staging', '-o', 'json'], root);
    const list = JSON.parse(r.stdout);
    expect(
      new Set(list.items.map((o: { metadata: { namespace?: string; name: string } }) => o.metadata.namespace ?? o.metadata.name)),
    ).toEqual(new Set(['shop-staging']));
  });

  it('finds nimbus.yaml in a directory argument', async () => {
    const r = await runCli(['render', 'examples/shop', '-o', 'json'], root);
    expect(r.code).toBe(0);
  });

  it('reports every spec problem with file:line:col, a hint and exit code 2, writing nothing', async () => {
    const dir = scratch();
    writeFileSync(
      join(dir, 'nimbus.yaml'),
      'apiVersion: nimbus.dev/v1alpha1\nkind: App\nmetadata:\n  name: x\nspec:\n  services:\n    api:\n      image: a:1\n      replcas: 2\n      ports:\n        - port: "80"\n',
    );
    const r = await runCli(['render', '--out', 'out'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("error[NIMBUS_SPEC_UNKNOWN_FIELD] nimbus.yaml:9:7 spec.services.api.replcas: unknown field 'replcas'");
    expect(r.stderr).toContain("hint: did you mean 'replicas'?");
    expect(r.stderr).toContain('nimbus.yaml:11:17 spec.services.api.ports[0].port: expected number, got string "80"');
    expect(r.stderr).toContain('2 problems; nothing was written.');
    expect(r.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('refuses to replace a directory it did not write', async () => {
    const dir = scratch();
    mkdirSync(join(dir, 'mine'));
    writeFileSync(join(dir, 'mine/notes.txt'), 'keep me');
    const r = await runCli(['render', shop, '--out', join(dir, 'mine')], root);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('NIMBUS_OUTPUT');
    expect(readFileSync(join(dir, 'mine/notes.txt'), 'utf8')).toBe('keep me');
  });

  it('never writes over the spec or any file of the user, and keeps files added to its own bundle', async () => {
    const dir = scratch();
    const spec = readFileSync(shop, 'utf8');
    writeFileSync(join(dir, 'nimbus.yaml'), spec);
    const over = await runCli(['render', '--out', 'nimbus.yaml'], dir);
    expect(over.code).toBe(2);
    expect(over.stderr).toContain('NIMBUS_OUTPUT_REFUSED');
    expect(readFileSync(join(dir, 'nimbus.yaml'), 'utf8')).toBe(spec);
    const report = await runCli(['render', '--report', 'nimbus.yaml'], dir);
    expect(report.code).toBe(2);
    expect(readFileSync(join(dir, 'nimbus.yaml'), 'utf8')).toBe(spec);
    // A report Nimbus wrote may be replaced.
    expect((await runCli(['render', '--report', 'report.html'], dir)).code).toBe(0);
    expect((await runCli(['render', '--report', 'report.html'], dir)).code).toBe(0);
    // Files the user adds to a bundle stay when Nimbus rewrites it.
    expect((await runCli(['render', '--out', 'bundle'], dir)).code).toBe(0);
    writeFileSync(join(dir, 'bundle/README.md'), 'notes');
    expect((await runCli(['render', '--env', 'dev', '--out', 'bundle'], dir)).code).toBe(0);
    expect(readFileSync(join(dir, 'bundle/README.md'), 'utf8')).toBe('notes');
    // A special path fails at once.
    const special = await runCli(['render', '--out', '/proc/nimbus-out'], dir);
    expect(special.code).toBe(1);
    expect(special.stderr).toContain('is not a writable directory');
  });

  it('replaces its own previous bundle, leaving no stale files', async () => {
    const dir = scratch();
    const out = join(dir, 'bundle');
    expect((await runCli(['render', shop, '--out', out], root)).code).toBe(0);
    expect((await runCli(['render', shop, '--env', 'dev', '--out', out], root)).code).toBe(0);
    expect(readdirSync(out).some((f) => f.startsWith('horizontalpodautoscaler'))).toBe(false);
  });

  it('exits 2 on a missing file and on an unknown option', async () => {
    const missing = await runCli(['render', 'nope.yaml'], root);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('NIMBUS_FILE_NOT_FOUND');
    const bad = await runCli(['render', shop, '--bogus'], root);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown option '--bogus'");
  });

  it('prints help for every command', async () => {
    for (const cmd of [[], ['render'], ['init']]) {
      const r = await runCli([...cmd, '--help'], root);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage: nimbus');
    }
  });
});

describe('nimbus init', () => {
  it('writes a starter spec that renders, and never overwrites without --force', async () => {
    const dir = join(scratch(), 'my-svc');
    mkdirSync(dir);
    expect((await runCli(['init'], dir)).code).toBe(0);
    expect(readFileSync(join(dir, 'nimbus.yaml'), 'utf8')).toContain('name: my-svc');
    expect((await runCli(['render'], dir)).code).toBe(0);
    const again = await runCli(['init'], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    expect((await runCli(['init', '--force', '--name', 'other'], dir)).code).toBe(0);
  });

  it('converts Score workloads into a nimbus.yaml that renders the same objects', async () => {
    const dir = scratch();
    const score = join(root, 'test/fixtures/specs/score-only/score.yaml');
    expect((await runCli(['init', '--from-score', score], dir)).code).toBe(0);
    const fromSpec = await runCli(['render', '-o', 'json'], dir);
    const fromScore = await runCli(['render', score, '-o', 'json'], dir);
    expect(fromSpec.code).toBe(0);
    expect(fromSpec.stdout).toBe(fromScore.stdout);
  });
});

describe('a reader that goes away', () => {
  it('ends the command quietly, as SIGPIPE would (nimbus render | head -1)', async () => {
    const { spawn } = await import('node:child_process');
    const bin = join(root, 'packages/cli/bin/nimbus.cjs');
    const child = spawn(process.execPath, [bin, 'render', shop], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect([0, 141]).toContain(code);
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });
});

describe('generated artifacts in a directory of the user', () => {
  it('are written beside the user files, never over one, and rewritten on the next run', async () => {
    const dir = scratch();
    mkdirSync(join(dir, 'grafana'));
    writeFileSync(join(dir, 'grafana/shop.json'), '{"mine": true}');
    writeFileSync(join(dir, 'notes.md'), 'keep');
    const refused = await runCli(['render', shop, '--artifacts', dir], root);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('NIMBUS_OUTPUT_REFUSED');
    expect(readFileSync(join(dir, 'grafana/shop.json'), 'utf8')).toBe('{"mine": true}');
    writeFileSync(join(dir, 'grafana/shop.json'), '');
    const forced = await runCli(['render', shop, '--artifacts', dir, '--force'], root);
    expect(forced.code).toBe(0);
    // Written once, the artifacts are Nimbus's: the next run replaces them without --force.
    expect((await runCli(['render', shop, '--artifacts', dir], root)).code).toBe(0);
    expect(readFileSync(join(dir, 'notes.md'), 'utf8')).toBe('keep');
  });
});

describe('the one-file build the command starts from', () => {
  const bin = join(root, 'packages/cli/bin/nimbus.cjs');
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });

  it('is what the command runs, with its code cache accepted', () => {
    const r = run(['version', '-o', 'json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ build: 'one-file', codeCache: 'accepted', schemaValidators: 'precompiled' });
    expect(JSON.parse(run(['version', '-o', 'json'], { NIMBUS_NO_BUNDLE: '1' }).stdout)).toMatchObject({ build: 'modules' });
  });

  it('uses a code cache only when it was made for this very file', () => {
    // A copy of the command inside the repository, so its packages resolve as they do here.
    const copy = mkdtempSync(join(root, 'packages/cli/.test-copy-'));
    try {
      mkdirSync(join(copy, 'bin'));
      mkdirSync(join(copy, 'dist'));
      cpSync(bin, join(copy, 'bin/nimbus.cjs'));
      const bundle = readFileSync(join(root, 'packages/cli/dist/nimbus.cjs'));
      const cache = readFileSync(join(root, 'packages/cli/dist/nimbus.cjs.cache'));
      writeFileSync(join(copy, 'dist/nimbus.cjs'), bundle);
      const startedWith = () =>
        JSON.parse(spawnSync(process.execPath, [join(copy, 'bin/nimbus.cjs'), 'version', '-o', 'json'], { encoding: 'utf8' }).stdout);
      expect(startedWith()).toMatchObject({ build: 'one-file', codeCache: 'absent' });
      writeFileSync(join(copy, 'dist/nimbus.cjs.cache'), cache);
      expect(startedWith()).toMatchObject({ codeCache: 'accepted' });
      // The same length, another build: V8 alone would take the cache; the build id refuses it.
      const other = Buffer.from(cache);
      other.write('0000000000000000', 'nimbus-cache:'.length, 'latin1');
      writeFileSync(join(copy, 'dist/nimbus.cjs.cache'), other);
      expect(startedWith()).toMatchObject({ build: 'one-file', codeCache: 'rejected' });
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('prints byte for byte what the modules print, findings and errors alike', () => {
    const manifests = join(scratch(), 'shop.yaml');
    writeFileSync(manifests, run(['render', shop]).stdout);
    // A directory as people keep one: a kustomization, a custom resource, RBAC, a file that is not YAML.
    const dir = scratch();
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [app.yaml]\n');
    writeFileSync(
      join(dir, 'app.yaml'),
      [
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      containers: [{name: api, image: api:latest, resources: {limits: {memory: 1Gb}}}]',
        'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: api}\nspec:\n  hosts: [api]\n  http: [{route: [{destination: {host: api}, weight: high}]}]',
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: all}\nrules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]',
      ].join('\n---\n'),
    );
    writeFileSync(join(dir, 'broken.yaml'), 'kind: [unclosed\n');
    const cases = [
      ['render', shop, '-o', 'json'],
      ['check', shop, '-o', 'json'],
      ['check', '-f', manifests],
      ['check', '-f', dir, '-o', 'json'],
      ['check', '-f', dir, '--strict'],
      ['check', join(root, 'test/fixtures/specs/score-only/score.yaml'), '--name', 'demo', '-o', 'sarif'],
      ['render', join(root, 'no-such-spec.yaml')],
      ['explain', 'NIMBUS_SPEC_SYNTAX'],
      ['deploy', '--bogus'],
    ];
    for (const args of cases) {
      const bundled = run(args);
      const modules = run(args, { NIMBUS_NO_BUNDLE: '1' });
      expect({ args, status: bundled.status, stdout: bundled.stdout, stderr: bundled.stderr }).toEqual({
        args,
        status: modules.status,
        stdout: modules.stdout,
        stderr: modules.stderr,
      });
    }
  });
});
