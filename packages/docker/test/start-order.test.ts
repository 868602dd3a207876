import { startOrder } from '@nimbus/docker';
import { loadApp } from '@nimbus/model';
import { resolveApp } from '@nimbus/render';
import { describe, expect, it } from 'vitest';

const app = (services: string) =>
  resolveApp(
    loadApp([{ text: `apiVersion: nimbus.dev/v1alpha1\nkind: App\nmetadata: { name: a }\nspec:\n  services:\n${services}` }]).spec,
  );

describe('startOrder', () => {
  it('starts every dependency before its dependents', () => {
    const order = startOrder(
      app(
        '    web: { image: w:1, dependsOn: [api] }\n    api: { image: a:1, dependsOn: [auth, search] }\n    auth: { image: b:1 }\n    search: { image: s:1, dependsOn: [auth] }\n',
      ).services,
    ).map((s) => s.name);
    for (const [before, after] of [
      ['auth', 'search'],
      ['search', 'api'],
      ['auth', 'api'],
      ['api', 'web'],
    ]) {
      expect(order.indexOf(before as string), `${before} before ${after}`).toBeLessThan(order.indexOf(after as string));
    }
    expect(order).toHaveLength(4);
  });

  it('reports a dependency cycle instead of looping (the loader refuses one first, at its line)', () => {
    expect(() => app('    a: { image: a:1, dependsOn: [b] }\n    b: { image: b:1, dependsOn: [a] }\n')).toThrow(/cycle/);
    const cyclic = {
      apiVersion: 'nimbus.dev/v1alpha1',
      kind: 'App',
      metadata: { name: 'a' },
      spec: { services: { a: { image: 'a:1', dependsOn: ['b'] }, b: { image: 'b:1', dependsOn: ['a'] } } },
    } as Parameters<typeof resolveApp>[0];
    expect(() => startOrder(resolveApp(cyclic).services)).toThrow(/dependency cycle: a -> b -> a/);
  });
});
