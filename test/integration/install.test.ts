import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Nimbus as a user gets it: every package packed as npm would publish it, installed into an empty
 * project from those tarballs (third-party dependencies from the registry), and the installed
 * `nimbus` run — nothing from this checkout on its path.
 */
const root = new URL('../../', import.meta.url).pathname;
const PACKAGES = ['model', 'render', 'check', 'project', 'kube', 'delivery', 'docker', 'runtime', 'guard', 'gitops', 'cli'];

describe('the packed packages', () => {
  it('install into an empty project and run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-install-'));
    const tarballs = join(dir, 'tarballs');
    mkdirSync(tarballs);
    for (const p of PACKAGES)
      execFileSync('npm', ['pack', '--silent', '--pack-destination', tarballs], { cwd: join(root, 'packages', p), stdio: 'pipe' });
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'adopter', private: true, type: 'module' }));
    const files = readdirSync(tarballs).map((f) => join(tarballs, f));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', ...files], {
      cwd: project,
      stdio: 'pipe',
      timeout: 240_000,
    });
    cpSync(join(root, 'examples/shop'), join(project, 'shop'), { recursive: true });
    const nimbus = (...args: string[]) => execFileSync(join(project, 'node_modules/.bin/nimbus'), args, { cwd: project, encoding: 'utf8' });
    expect(nimbus('version')).toMatch(/^nimbus \d+\.\d+\.\d+/);
    // It starts as it does here: the one-file build with its code cache, the precompiled schema validators.
    expect(JSON.parse(nimbus('version', '-o', 'json'))).toMatchObject({
      build: 'one-file',
      codeCache: 'accepted',
      schemaValidators: 'precompiled',
    });
    nimbus('render', 'shop', '--out', 'out');
    expect(readdirSync(join(project, 'out')).filter((f) => f.endsWith('.yaml')).length).toBeGreaterThan(10);
    const checked = JSON.parse(nimbus('check', '-f', 'out', '-o', 'json', '--quiet')) as { findings: { ruleId: string }[] };
    expect(checked.findings.length).toBeGreaterThan(0);
    expect(checked.findings.filter((f) => f.ruleId === 'schema')).toEqual([]);
    // The library API resolves from the installed packages too.
    const script =
      "import { loadApp } from '@nimbus/model'; import { renderApp } from '@nimbus/render'; import { readFileSync } from 'node:fs'; const app = loadApp([{ file: 'shop/nimbus.yaml', text: readFileSync('shop/nimbus.yaml', 'utf8') }]); console.log(renderApp(app.spec).objects.length);";
    writeFileSync(join(project, 'use.mjs'), script);
    expect(Number(execFileSync(process.execPath, ['use.mjs'], { cwd: project, encoding: 'utf8' }))).toBeGreaterThan(10);
  }, 300_000);
});
