import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, createMetrics } from '@nimbus/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Guard, startGuard } from '../src/guard.js';
import type { Finding } from '../src/reporter.js';

/**
 * The guard against real processes, sockets and files of this machine: each rule must fire with
 * its evidence within 2 s of the act. The guard watches this test process and its children.
 */

const lines: Record<string, unknown>[] = [];
const logStream = new Writable({
  write(chunk, _e, done) {
    for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
    done();
  },
});

const findings: { finding: Finding; at: number }[] = [];
const children: ChildProcess[] = [];
const servers: Server[] = [];
const sockets: Socket[] = [];
let guard: Guard;
let watched: string;
let declaredPort: number;
let declaredListenPort: number;
let undeclaredPort: number;
const metrics = createMetrics({ service: 'guarded', processMetrics: false });

function listen(port = 0, onConnection: (s: Socket) => void = () => {}): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer(onConnection);
    servers.push(server);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
const portOf = (s: Server) => (s.address() as { port: number }).port;

async function freePort(): Promise<number> {
  const s = await listen();
  const port = portOf(s);
  await new Promise((r) => s.close(r));
  return port;
}

/** The first finding of `rule` after `since` that satisfies `test`, or a failure after 2 s. */
async function expectFinding(rule: string, since: number, test: (f: Finding) => boolean = () => true): Promise<Finding> {
  const deadline = since + 2000;
  for (;;) {
    const hit = findings.find((f) => f.finding.rule === rule && f.at >= since && test(f.finding));
    if (hit) return hit.finding;
    if (Date.now() > deadline) {
      const seen = findings.filter((f) => f.at >= since).map((f) => `${f.finding.rule}: ${f.finding.output}`);
      throw new Error(`no ${rule} finding within 2 s; findings since: ${seen.join(' | ') || 'none'}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function run(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore' });
  children.push(child);
  return child;
}

beforeAll(async () => {
  watched = mkdtempSync(join(tmpdir(), 'nimbus-guard-'));
  declaredPort = portOf(await listen());
  undeclaredPort = portOf(await listen(0, (s) => setTimeout(() => s.end('bye\n'), 800)));
  declaredListenPort = await freePort();
  guard = await startGuard({
    target: 'self',
    logger: createLogger({ stream: logStream, base: { service: 'guarded' } }),
    metrics,
    contract: {
      service: 'guarded',
      listen: [{ port: declaredListenPort, protocol: 'TCP', name: 'http' }],
      connect: [{ name: 'db', hosts: ['localhost'], ports: [declaredPort] }],
    },
    resolve: async (host) => (host === 'localhost' ? ['127.0.0.1'] : []),
    watchPaths: [watched],
    onFinding: (finding) => findings.push({ finding, at: Date.now() }),
  });
});

afterAll(async () => {
  await guard?.stop();
  for (const c of children) c.kill('SIGKILL');
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
  rmSync(watched, { recursive: true, force: true });
});

describe('the guard inside a service process', () => {
  it('reports a shell the service starts, with its command line', async () => {
    const since = Date.now();
    const child = run('sh', ['-c', 'sleep 1']);
    const f = await expectFinding('shell_spawned', since, (x) => x.evidence['proc.pid'] === child.pid);
    expect(f.evidence['proc.cmdline']).toBe('sh -c sleep 1');
    expect(f.severity).toBe('high');
    expect(Date.parse(f.time) - since).toBeLessThan(2000);
  });

  it('knows a shell by what it runs, not by the name it gives itself', async () => {
    const since = Date.now();
    // bash's `exec -a` makes argv[0] "nginx": the executable is still a shell.
    const child = run('bash', ['-c', 'exec -a nginx /bin/sh -c "sleep 1; true"']);
    const f = await expectFinding(
      'shell_spawned',
      since,
      (x) => x.evidence['proc.pid'] === child.pid && String(x.evidence['proc.cmdline']).startsWith('nginx'),
    );
    expect(f.output).toMatch(/exe=\/(usr\/)?bin\/(da|ba)?sh/);
  });

  it('reports a network tool run against a local server, busybox applets included', async () => {
    const since = Date.now();
    // An attacker's nc keeps its standard input open (a reverse shell); with /dev/null it would quit at once.
    const child = spawn('busybox', ['nc', '127.0.0.1', String(undeclaredPort)], { stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(child);
    const f = await expectFinding('network_tool_spawned', since, (x) => x.evidence['proc.pid'] === child.pid);
    expect(f.evidence['proc.program']).toBe('nc');
    expect(f.evidence['proc.exe']).toMatch(/busybox$/);
    const curlSince = Date.now();
    const curl = run('curl', ['-s', '--max-time', '2', `http://127.0.0.1:${undeclaredPort}/`]);
    const c = await expectFinding('network_tool_spawned', curlSince, (x) => x.evidence['proc.pid'] === curl.pid);
    expect(c.evidence['proc.cmdline']).toContain(`127.0.0.1:${undeclaredPort}`);
  });

  it('reports a program run from a writable directory, whatever its name', async () => {
    const dropped = join(watched, 'kworker');
    copyFileSync('/bin/sleep', dropped);
    chmodSync(dropped, 0o755);
    const since = Date.now();
    const child = run(dropped, ['1']);
    const f = await expectFinding('exe_from_writable_dir', since, (x) => x.evidence['proc.pid'] === child.pid);
    expect(f.evidence['proc.exe']).toBe(dropped);
  });

  it('reports a connection to an undeclared port, not one to a declared dependency', async () => {
    const since = Date.now();
    sockets.push(tcpConnect(declaredPort, '127.0.0.1'));
    const bad = tcpConnect(undeclaredPort, '127.0.0.1');
    sockets.push(bad);
    await new Promise((r) => bad.once('connect', r));
    const ours = (x: Finding) => x.evidence['fd.rport'] === undeclaredPort && x.evidence['proc.pid'] === process.pid;
    const f = await expectFinding('undeclared_outbound_connection', since, ours);
    expect(f.evidence).toMatchObject({ 'fd.rip': '127.0.0.1', 'proc.pid': process.pid, 'fd.l4proto': 'tcp' });
    await new Promise((r) => setTimeout(r, 1200));
    expect(
      findings.some((x) => x.finding.rule === 'undeclared_outbound_connection' && x.finding.evidence['fd.rport'] === declaredPort),
    ).toBe(false);
  });

  it('reports a listener the spec did not declare, not the declared one', async () => {
    const since = Date.now();
    await listen(declaredListenPort);
    const rogue = await listen();
    const f = await expectFinding('undeclared_listener', since, (x) => x.evidence['fd.lport'] === portOf(rogue));
    expect(f.evidence['proc.pid']).toBe(process.pid);
    await new Promise((r) => setTimeout(r, 1200));
    expect(findings.some((x) => x.finding.rule === 'undeclared_listener' && x.finding.evidence['fd.lport'] === declaredListenPort)).toBe(
      false,
    );
  });

  it('reports a file made world-writable, and one made executable', async () => {
    const file = join(watched, 'notes.txt');
    writeFileSync(file, 'x');
    await guard.sampleNow();
    const since = Date.now();
    chmodSync(file, 0o666);
    const ww = await expectFinding('world_writable_file', since, (x) => x.evidence['fs.path'] === file);
    expect(ww.evidence['fs.mode']).toBe('0666');
    const execSince = Date.now();
    const script = join(watched, 'payload.sh');
    writeFileSync(script, '#!/bin/sh\n', { mode: 0o644 });
    chmodSync(script, 0o755);
    const ex = await expectFinding('new_executable_file', execSince, (x) => x.evidence['fs.path'] === script);
    expect(ex.evidence['fs.mode']).toBe('0755');
  });

  it('logs findings as JSON lines through the SDK logger and counts them by rule and severity', async () => {
    const line = lines.find((l) => (l.guard as { rule?: string } | undefined)?.rule === 'shell_spawned');
    expect(line).toMatchObject({ level: 'error', service: 'guarded', guard: { severity: 'high', event: 'spawn' } });
    expect(String(line?.message)).toMatch(/^Shell started/);
    const text = await metrics.render();
    expect(text).toMatch(/nimbus_guard_findings_total\{[^}]*rule="shell_spawned"[^}]*severity="high"[^}]*\} [1-9]/);
    expect(text).toMatch(/nimbus_guard_samples_total\{[^}]*kind="full"[^}]*\} [1-9]/);
  });

  it('repeats a finding only after its window', async () => {
    const ours = (f: { finding: Finding }) =>
      f.finding.rule === 'undeclared_outbound_connection' &&
      f.finding.evidence['fd.rport'] === undeclaredPort &&
      f.finding.evidence['proc.pid'] === process.pid;
    const before = findings.filter(ours).length;
    // The same connection again from the same process: same output, so deduplicated.
    const again = tcpConnect(undeclaredPort, '127.0.0.1');
    sockets.push(again);
    await new Promise((r) => again.once('connect', r));
    await new Promise((r) => setTimeout(r, 1500));
    expect(
      findings.filter(ours).length,
      findings
        .filter(ours)
        .map((f) => f.finding.output)
        .join('\n'),
    ).toBe(before);
  });
});
