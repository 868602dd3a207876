import { describe, expect, it } from 'vitest';
import { cronProblem, isTimeZone } from '../src/cron.js';

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
