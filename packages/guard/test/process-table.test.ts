import type { Stats, StatsFs } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ProcReader } from '../src/proc.js';
import { ProcessTable } from '../src/sampler/processes.js';

/** A /proc held in memory, so a test can stop time at the moments a real one passes through in microseconds. */
function memoryProc(files: Map<string, string>, links: Map<string, string>): ProcReader {
  const listing = (dir: string) => {
    const names = new Set<string>();
    for (const path of [...files.keys(), ...links.keys()])
      if (path.startsWith(`${dir}/`)) names.add(path.slice(dir.length + 1).split('/')[0] as string);
    return [...names];
  };
  return {
    text: async (path) => files.get(path),
    list: async (path) => listing(path),
    link: async (path) => links.get(path),
    stat: async () => undefined as Stats | undefined,
    statfs: async () => undefined as StatsFs | undefined,
    reread: async (path) => files.get(path),
  };
}

const stat = (pid: number, comm: string, ppid: number, start: number) =>
  `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 ${start} 0 0`;
const status = 'Name:\tx\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n';

describe('the process table', () => {
  it('reports a program caught inside exec once its command line is there, not as an empty one', async () => {
    const files = new Map<string, string>([
      ['/p/uptime', '100.00 50.00'],
      ['/p/loadavg', '0.00 0.00 0.00 1/10 1'],
      ['/p/1/stat', stat(1, 'node', 0, 100)],
      ['/p/1/cmdline', 'node\0server.js\0'],
      ['/p/1/status', status],
    ]);
    const links = new Map([['/p/1/exe', '/usr/bin/node']]);
    const table = new ProcessTable(memoryProc(files, links), { kind: 'namespace', self: 999 }, '/p');
    const now = 100_000 + Date.now();
    expect((await table.poll(now, true)).map((e) => e.process?.argv)).toEqual([['node', 'server.js']]);

    // pid 7: exec has named the shell but not yet laid out its arguments.
    files.set('/p/loadavg', '0.00 0.00 0.00 1/10 7');
    files.set('/p/7/stat', stat(7, 'sh', 1, 9_995));
    files.set('/p/7/cmdline', '');
    files.set('/p/7/status', status);
    links.set('/p/7/exe', '/bin/sh');
    expect(await table.poll(now + 100)).toEqual([]);

    files.set('/p/7/cmdline', 'sh\0-c\0sleep 3 | nc cache 6379\0');
    const [spawned, ...more] = await table.poll(now + 200);
    expect(more).toEqual([]);
    expect(spawned?.process).toMatchObject({ pid: 7, exe: '/bin/sh', argv: ['sh', '-c', 'sleep 3 | nc cache 6379'] });
  });
});
