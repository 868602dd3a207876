import { describe, expect, it } from 'vitest';
import { cronProblem, isTimeZone } from '../src/cron.js';
import { dependencyCycles } from '../src/semantics.js';

describe('cron schedules and time zones as CronJobs take them', () => {
  it('accepts the forms Kubernetes accepts', () => {
    for (const ok of [
      '*/15 * * * *',
      '0 3 * * *',
      '0 0 1 jan,jul *',
      '30 2 * * mon-fri',
      '0 */6 1-15/2 * 0,7',
      '@daily',
      '@hourly',
      'TZ=UTC 0 5 * * *',
    ])
      expect(cronProblem(ok), ok).toBeUndefined();
  });

  it('names what is wrong', () => {
    expect(cronProblem('0 3 * *')).toContain('has 4');
    expect(cronProblem('60 * * * *')).toBe('minute 60 is outside 0-59');
    expect(cronProblem('0 24 * * *')).toBe('hour 24 is outside 0-23');
    expect(cronProblem('0 0 * foo *')).toBe("'foo' is not a month");
    expect(cronProblem('*/x * * * *')).toBe("'*/x' has a bad step");
  });

  it('knows IANA zones, not offsets', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('+02:00')).toBe(false);
  });
});

describe('dependency cycles', () => {
  it('walks each service once: a dense acyclic graph of 300 services is judged at once', () => {
    const services: Record<string, { dependsOn: string[] }> = {};
    for (let i = 0; i < 300; i++) services[`s${i}`] = { dependsOn: i > 1 ? [`s${i - 1}`, `s${i - 2}`] : [] };
    // Walking every path instead would take longer than the test may run (the paths grow like Fibonacci numbers).
    expect(dependencyCycles(services)).toEqual([]);
  });

  it('names each cycle once, from its first service', () => {
    expect(
      dependencyCycles({ b: { dependsOn: ['c'] }, c: { dependsOn: ['a'] }, a: { dependsOn: ['b'] }, d: { dependsOn: ['a'] } }),
    ).toEqual([['a', 'b', 'c']]);
  });
});
