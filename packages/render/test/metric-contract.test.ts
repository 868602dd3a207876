import { METRIC_CONTRACT } from '@nimbus/render';
import { METRIC_NAMES } from '@nimbus/runtime';
import { describe, expect, it } from 'vitest';

describe('the metric contract', () => {
  it('dashboards and rules query exactly the names the runtime SDK emits', () => {
    expect(METRIC_CONTRACT.requests).toBe(METRIC_NAMES.requests);
    expect(METRIC_CONTRACT.duration).toBe(METRIC_NAMES.duration);
    expect(METRIC_CONTRACT.inFlight).toBe(METRIC_NAMES.inFlight);
    expect(METRIC_CONTRACT.cacheRequests).toBe(METRIC_NAMES.cacheRequests);
  });
});
