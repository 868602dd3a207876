import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

/** `nimbus guard --pid` on a real process of this machine: a small server with a declared and an undeclared port. */
let dir: string;
let child: ChildProcess;
let ports: { declared: number; rogue: number };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nimbus-guard-cli-'));
  child = spawn(
    process.execPath,
    [
      '-e',
      `const net = require('net');
       const a = net.createServer().listen(0, '127.0.0.1', () => {
         const b = net.createServer().listen(0, '127.0.0.1', () => console.log(JSON.stringify({ declared: a.address().port, rogue: b.address().port })));
       });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  ports = await new Promise((resolve) => child.stdout?.once('data', (d) => resolve(JSON.parse(String(d)))));
  writeFileSync(
    join(dir, 'nimbus.yaml'),
    `apiVersion: nimbus.dev/v1alpha1
kind: App
metadata: { name: shop }
spec:
  services:
    api:
      image: ghcr.io/acme/api:1.0.0
      ports: [{ port: ${ports.declared} }]
`,
  );
});

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('nimbus guard', () => {
  it('judges a running process against the contract its spec declares', async () => {
    const r = await runCli(['guard', '--pid', String(child.pid), '--service', 'api', '--once', '-o', 'json'], dir);
    expect(r.code, r.stderr).toBe(1);
    const findings = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { rule: string; evidence: Record<string, unknown> });
    const listeners = findings.filter((f) => f.rule === 'undeclared_listener');
    expect(listeners.map((f) => f.evidence['fd.lport'])).toEqual([ports.rogue]);
    expect(listeners[0]?.evidence['proc.pid']).toBe(child.pid);
  });

  it('says plainly that without a contract the network rules are off', async () => {
    const r = await runCli(['guard', '--pid', String(child.pid), '--once', '--rules', 'quiet.yaml'], dir).catch((e) => e);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error\[NIMBUS_FILE_NOT_FOUND\].*quiet\.yaml/);
    writeFileSync(join(dir, 'quiet.yaml'), '- rule: root_process\n  enabled: false\n');
    const quiet = await runCli(['guard', '--pid', String(child.pid), '--once', '--rules', 'quiet.yaml'], dir);
    expect(quiet.stderr).toContain('connection and listener rules are off');
    expect(quiet.code, quiet.stdout).toBe(0);
  });

  it('reports a fault in a rule file at its file, line and column, before starting', async () => {
    writeFileSync(join(dir, 'bad.yaml'), '- rule: tools\n  condition: evt.type = spawn and proc.nmae = nc\n  output: tool\n');
    const r = await runCli(['guard', '--pid', String(child.pid), '--rules', 'bad.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error[NIMBUS_GUARD_RULE] bad.yaml:2:35 rule 'tools': unknown field or macro 'proc.nmae'");
    expect(r.stderr).toContain("hint: did you mean 'proc.name'?");
  });

  it('refuses a process that does not exist, and a service the spec lacks', async () => {
    const gone = await runCli(['guard', '--pid', '999999999'], dir);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('error[NIMBUS_GUARD_TARGET]');
    const wrong = await runCli(['guard', '--pid', String(child.pid), '--service', 'ap'], dir);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/no service 'ap'.*\n.*Services: api/);
  });

  it('lists its rules and the fields conditions may use', async () => {
    const rules = await runCli(['guard', '--list-rules'], dir);
    expect(rules.stdout).toMatch(/^shell_spawned\s+high/m);
    const fields = await runCli(['guard', '--fields'], dir);
    expect(fields.stdout).toMatch(/^proc\.program\s+string/m);
  });
});
