import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { normalizeArgs } from '../src/main.js';
import { runCli } from './helpers.js';

/** kubectl's and the shell's habits, kept by nimbus. */
describe('command-line habits', () => {
  const root = new URL('../../../', import.meta.url).pathname;

  it('reads -o=json as -o json, and --output=json', async () => {
    expect(normalizeArgs(['render', '-o=json', '--output=yaml', '-n', 'x'])).toEqual(['render', '-o', 'json', '--output=yaml', '-n', 'x']);
    const short = await runCli(['render', 'examples/shop', '-o=json'], root);
    expect(short.code, short.stderr).toBe(0);
    expect(JSON.parse(short.stdout).items?.length ?? JSON.parse(short.stdout).length).toBeGreaterThan(10);
    const long = await runCli(['render', 'examples/shop', '--output=json'], root);
    expect(long.stdout).toBe(short.stdout);
  });

  it('prints its version as text and JSON', async () => {
    expect((await runCli(['version'], root)).stdout).toMatch(/^nimbus \d+\.\d+\.\d+ \(node \d+/);
    expect(JSON.parse((await runCli(['version', '-o', 'json'], root)).stdout)).toMatchObject({
      nimbus: expect.any(String),
      node: process.versions.node,
    });
    expect((await runCli(['--version'], root)).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('writes completion scripts for bash, zsh and fish from its own command tree', async () => {
    const bash = (await runCli(['completion', 'bash'], root)).stdout;
    expect(bash).toContain('complete -F _nimbus nimbus');
    expect(bash).toMatch(/"deploy"\) flags="[^"]*--prometheus/);
    expect(bash).toMatch(/"gitops export"\) flags="[^"]*--author/);
    expect((await runCli(['completion', 'zsh'], root)).stdout).toContain('bashcompinit');
    expect((await runCli(['completion', 'fish'], root)).stdout).toContain(
      "complete -c nimbus -n '__fish_seen_subcommand_from guard' -l pid",
    );
    const unknown = await runCli(['completion', 'tcsh'], root);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error[NIMBUS_USAGE]');
  });

  it('reports usage errors in the same error[CODE] form as every other error', async () => {
    const r = await runCli(['render', '--no-such-flag'], root);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error\[NIMBUS_USAGE\] unknown option '--no-such-flag'/);
    const scale = await runCli(['scale', 'api'], root);
    expect(scale.code).toBe(2);
    expect(scale.stderr).toContain('error[NIMBUS_USAGE] scale needs a count');
  });

  it('reads manifests from standard input with -f -', () => {
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { containers: [{ name: c, image: nginx:latest }] }\n';
    const r = spawnSync(process.execPath, [`${root}packages/cli/bin/nimbus.cjs`, 'check', '-f', '-', '-o', 'json'], {
      input: pod,
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    const findings = JSON.parse(r.stdout).findings as { ruleId: string; file?: string }[];
    expect(findings.find((f) => f.ruleId === 'container-image-tag')?.file).toBe('<stdin>');
  });

  it('shows examples in the help of every command', async () => {
    const top = await runCli(['--help'], root);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1] as string).filter((c) => c !== 'help');
    expect(commands.length).toBeGreaterThan(20);
    const without: string[] = [];
    for (const c of commands) if (!(await runCli([c, '--help'], root)).stdout.includes('Examples:')) without.push(c);
    expect(without).toEqual([]);
  });

  it('takes --no-color anywhere on the line', async () => {
    const r = await runCli(['check', 'examples/shop', '--no-color'], root);
    expect(r.stdout.includes(String.fromCharCode(27))).toBe(false);
  });

  it('--quiet leaves out notes; --verbose is read anywhere on the line', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const out = `${mkdtempSync(`${tmpdir()}/nimbus-quiet-`)}/bundle`;
    const loud = await runCli(['render', 'examples/shop', '--out', out], root);
    expect(loud.stderr).toContain('wrote');
    const quiet = await runCli(['render', 'examples/shop', '--out', out, '--quiet'], root);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
    const bad = await runCli(['render', '/nonexistent/spec.yaml', '--verbose'], root);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/error\[NIMBUS_/);
  });

  it('explains error codes and spec fields as well as rules', async () => {
    const code = await runCli(['explain', 'NIMBUS_SPEC_INVALID'], root);
    expect(code.stdout).toMatch(/^NIMBUS_SPEC_INVALID \(exit code 2\)/);
    const field = await runCli(['explain', 'spec.services.web.ports.0.protocol'], root);
    expect(field.stdout).toContain('Values: "http", "grpc", "tcp", "udp"');
    const missing = await runCli(['explain', 'spec.servics'], root);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("the spec has no field 'spec.servics'");
  });

  it('names a duplicate key, and never echoes a binary file', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/nimbus-inputs-`);
    writeFileSync(`${dir}/dup.yaml`, 'apiVersion: v1\nkind: Pod\nmetadata: { name: a }\nmetadata: { name: b }\n');
    const dup = await runCli(['check', '-f', 'dup.yaml'], dir);
    expect(dup.stderr).toContain("the key 'metadata' appears twice in one mapping");
    writeFileSync(`${dir}/blob.yaml`, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0x1b, 0x5b, 0x32, 0x4a]));
    const bin = await runCli(['check', '-f', 'blob.yaml'], dir);
    expect(bin.stdout).toContain('a binary file, not YAML or JSON');
    expect(bin.stdout + bin.stderr).not.toContain(String.fromCharCode(0x1b, 0x5b, 0x32, 0x4a));
  });
});
