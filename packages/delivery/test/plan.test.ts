import { compactDiff, lineDiff, normalizeForDiff, planDeploy, planRelease, prunesEverything } from '@nimbus/delivery';
import type { KubeObject } from '@nimbus/model';
import { describe, expect, it } from 'vitest';

const o = (kind: string, name: string, namespace: string | undefined = 'ns'): KubeObject => ({
  apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1',
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
});

describe('planDeploy', () => {
  it('applies Namespaces and CRDs first, then the rest', () => {
    const plan = planDeploy({ desired: [o('Deployment', 'api'), o('Namespace', 'ns', undefined), o('ConfigMap', 'c')], previous: [] });
    expect(plan.stages.map((s) => [s.name, s.objects.map((x) => x.kind)])).toEqual([
      ['namespaces and CRDs', ['Namespace']],
      ['resources', ['Deployment', 'ConfigMap']],
    ]);
    expect(plan.prune).toEqual([]);
  });

  it('prunes exactly what the previous revision had and this one lacks, last-applied first', () => {
    const previous = [o('Namespace', 'ns', undefined), o('ConfigMap', 'old'), o('Deployment', 'api'), o('Deployment', 'gone')];
    const plan = planDeploy({ desired: [o('Namespace', 'ns', undefined), o('Deployment', 'api')], previous });
    expect(plan.prune.map((r) => `${r.kind}/${r.name}`)).toEqual(['Deployment/gone', 'ConfigMap/old']);
  });

  it('prunes nothing when asked not to (a GitOps app with prune: false)', () => {
    const history = [{ revision: 1, status: 'deployed' as const, objects: [o('ConfigMap', 'old'), o('Deployment', 'api')] }];
    const plan = planRelease({ app: 'a', namespace: 'ns', desired: [o('Deployment', 'api')], history, prune: false });
    expect(plan.prune).toEqual([]);
    expect(plan.refusal).toBeUndefined();
  });

  it('never prunes a Namespace unless forced', () => {
    const previous = [o('Namespace', 'old-ns', undefined), o('ConfigMap', 'c')];
    const plan = planDeploy({ desired: [o('ConfigMap', 'c')], previous });
    expect(plan.prune).toEqual([]);
    expect(plan.keep.map((r) => r.name)).toEqual(['old-ns']);
    expect(planDeploy({ desired: [o('ConfigMap', 'c')], previous, force: true }).prune.map((r) => r.name)).toEqual(['old-ns']);
  });

  it('detects a deploy that would delete everything', () => {
    const previous = [o('ConfigMap', 'a'), o('ConfigMap', 'b')];
    expect(prunesEverything(planDeploy({ desired: [o('ConfigMap', 'c')], previous }), previous)).toBe(true);
    expect(prunesEverything(planDeploy({ desired: [o('ConfigMap', 'a')], previous }), previous)).toBe(false);
    expect(prunesEverything(planDeploy({ desired: [], previous: [] }), [])).toBe(false);
  });
});

describe('diff', () => {
  it('shows removed lines before added ones, with context', () => {
    const d = lineDiff('a\nb\nc\nd\ne\nf\ng\nh\ni', 'a\nb\nc\nd\nE\nf\ng\nh\ni');
    expect(d.filter((l) => l[0] !== ' ')).toEqual(['-e', '+E']);
    expect(compactDiff(d, 1)).toEqual([' d', '-e', '+E', ' f']);
  });

  it('ignores bookkeeping fields and never shows secret values', () => {
    const live = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', resourceVersion: '9', uid: 'u', managedFields: [{}], creationTimestamp: 'x' },
      data: { password: 'aHVudGVyMg==' },
      status: {},
    } as KubeObject;
    const n = normalizeForDiff(live);
    expect(n.metadata).toEqual({ name: 's' });
    expect(JSON.stringify(n)).not.toContain('aHVudGVyMg==');
    expect((n as { data: Record<string, string> }).data.password).toMatch(/^\(12 bytes, hash [0-9a-f]+\)$/);
  });
});
