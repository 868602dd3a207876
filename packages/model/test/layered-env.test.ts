import { describe, expect, it } from 'vitest';
import { loadApp } from '../src/load.js';

const text = `apiVersion: nimbus.dev/v1alpha1
kind: App
metadata: { name: shop }
spec:
  services:
    api:
      image: ghcr.io/acme/api:1.0.0
      replicas: 1
      env: { REGION: none, LOG_LEVEL: info }
  environments:
    eu:
      services:
        api:
          env: { REGION: eu-west-1 }
    prod:
      services:
        api:
          replicas: 4
          env: { LOG_LEVEL: warn }
    debug:
      services:
        api:
          env: { LOG_LEVEL: debug }
`;

describe('environments layered in order', () => {
  it('merge each overlay over the one before', () => {
    const app = loadApp([{ file: 'nimbus.yaml', text }], { environment: 'eu,prod' });
    expect(app.spec.spec.services.api).toMatchObject({ replicas: 4, env: { REGION: 'eu-west-1', LOG_LEVEL: 'warn' } });
    const later = loadApp([{ file: 'nimbus.yaml', text }], { environment: 'eu,prod,debug' });
    expect(later.spec.spec.services.api?.env?.LOG_LEVEL).toBe('debug');
  });

  it('name an unknown one among them', () => {
    expect(() => loadApp([{ file: 'nimbus.yaml', text }], { environment: 'eu,prdo' })).toThrow(/environment 'prdo' is not declared/);
  });
});
