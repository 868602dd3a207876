import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@nimbus/runtime';
import { describe, expect, it } from 'vitest';

const runtimeEntry = new URL('../dist/index.js', import.meta.url).pathname;

describe('the buffered line writer behind createLogger', () => {
  it('keeps every line, in order, when a process logs a burst and exits at once', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nimbus-log-')), 'out.log');
    const script = `
      import { createLogger } from ${JSON.stringify(runtimeEntry)};
      const log = createLogger({ destination: process.argv[1], base: { service: 'api' } });
      for (let i = 0; i < 5000; i++) {
        if (i % 2) log.info('tick', { i });
        else log.writeRequestLine({ method: 'GET', path: '/p/' + i, status: 200, durationMs: 1 });
      }
      process.exit(0);`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, file], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5000);
    lines.forEach((l, i) => {
      expect(l.service).toBe('api');
      if (i % 2) expect(l).toMatchObject({ message: 'tick', i });
      else expect(l).toMatchObject({ message: 'request', path: `/p/${i}` });
    });
  });

  it('writes a lone line within the event-loop turn that logged it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nimbus-log-')), 'out.log');
    const log = createLogger({ destination: file });
    log.warn('disk almost full', { freeBytes: 1024 });
    expect(readFileSync(file, 'utf8')).toBe('');
    await new Promise((r) => setImmediate(r));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ level: 'warn', message: 'disk almost full', freeBytes: 1024 });
  });
});
