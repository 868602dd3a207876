import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, LineWriter } from '@nimbus/runtime';
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

describe('the line writer on a full, non-blocking pipe (stdout read slowly by the container runtime)', () => {
  function fifo(): { writeFd: number; readFd: number; close: () => void } {
    const path = join(mkdtempSync(join(tmpdir(), 'nimbus-fifo-')), 'out');
    execFileSync('mkfifo', [path]);
    // The reader must be open before a non-blocking writer may open.
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeFd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    return {
      writeFd,
      readFd,
      close: () => {
        closeSync(readFd);
        closeSync(writeFd);
      },
    };
  }
  const drain = (fd: number): string => {
    const buf = Buffer.alloc(1 << 16);
    let out = '';
    for (;;) {
      try {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n === 0) return out;
        out += buf.toString('utf8', 0, n);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return out;
        throw err;
      }
    }
  };

  it('keeps what the pipe refuses and delivers every line, in order, once it is read', async () => {
    const { writeFd, readFd, close } = fifo();
    try {
      const writer = LineWriter.open(writeFd);
      const lines = Array.from({ length: 20_000 }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(40)}"}\n`);
      // About 1 MB into a 64 KiB pipe nobody reads yet: writes must neither throw nor block.
      for (const l of lines) expect(writer.write(l)).toBe(true);
      writer.flush();
      let received = drain(readFd);
      const deadline = Date.now() + 10_000;
      while (received.length < lines.join('').length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 5));
        received += drain(readFd);
      }
      expect(received).toBe(lines.join(''));
      expect(writer.dropped).toBe(0);
    } finally {
      close();
    }
  });

  it('drops (and counts) lines past 8 MiB held for an output that stays blocked, instead of growing without bound', () => {
    const { writeFd, close } = fifo();
    try {
      const writer = LineWriter.open(writeFd);
      const line = `${'y'.repeat(1023)}\n`;
      let accepted = 0;
      for (let i = 0; i < 12 * 1024; i++) if (writer.write(line)) accepted++;
      expect(writer.dropped).toBeGreaterThan(0);
      expect(accepted + writer.dropped).toBe(12 * 1024);
      // Roughly 8 MiB held plus what the pipe took.
      expect(accepted * 1024).toBeLessThan(9 * 1024 * 1024);
    } finally {
      close();
    }
  });
});
