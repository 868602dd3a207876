import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifests } from '@nimbus/project';
import { describe, expect, it } from 'vitest';

/** A repository as people keep one: manifests beside a kustomization, a Helm chart, app config. */
function repository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-repo-'));
  mkdirSync(join(dir, 'app'));
  mkdirSync(join(dir, 'chart/templates'), { recursive: true });
  writeFileSync(
    join(dir, 'app/kustomization.yaml'),
    'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [all.yaml]\n',
  );
  writeFileSync(
    join(dir, 'app/all.yaml'),
    [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\ndata: { k: v }',
      '',
      'apiVersion: v1\nkind: List\nitems:\n  - { apiVersion: v1, kind: ConfigMap, metadata: { name: b } }\n  - { apiVersion: v1, kind: ConfigMap, metadata: { name: c } }',
      'apiVersion: batch/v1\nkind: Job\nmetadata: { generateName: migrate- }\nspec: { template: { spec: { restartPolicy: Never, containers: [{ name: m, image: m:1 }] } } }',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: 42 }',
    ].join('\n---\n'),
  );
  writeFileSync(join(dir, 'app/settings.json'), '{"port": 8080}');
  writeFileSync(join(dir, 'chart/Chart.yaml'), 'apiVersion: v2\nname: demo\nversion: 0.1.0\n');
  writeFileSync(join(dir, 'chart/values.yaml'), 'replicaCount: 2\n');
  writeFileSync(
    join(dir, 'chart/templates/deploy.yaml'),
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n',
  );
  return dir;
}

describe('manifests as people keep them', () => {
  it('reads the objects, flattens Lists, and passes over what is not a Kubernetes object with a reason each', async () => {
    const dir = repository();
    const loaded = await loadManifests([dir]);
    expect(loaded.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/a',
      'ConfigMap/b',
      'ConfigMap/c',
      'Job/migrate-',
      'ConfigMap/42',
    ]);
    expect([...loaded.generated].map((o) => o.metadata.name)).toEqual(['migrate-']);
    const reasons = loaded.skipped.map((s) => `${s.file.slice(dir.length + 1)}: ${s.reason.split(':')[0]}`);
    expect(reasons).toEqual([
      'app/kustomization.yaml: a kustomization',
      'app/settings.json: not a Kubernetes object (no apiVersion and kind)',
      'chart/Chart.yaml: a Helm chart file',
      'chart/templates/deploy.yaml: a template (Helm or Go)',
      'chart/values.yaml: Helm values',
    ]);
    expect(loaded.unreadable).toEqual([]);
  });

  it('makes them errors with strict, and keeps an unreadable file from hiding the others', async () => {
    const dir = repository();
    await expect(loadManifests([dir], { strict: true })).rejects.toMatchObject({ code: 'NIMBUS_SPEC_KIND' });
    writeFileSync(join(dir, 'app/broken.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x\n');
    const loaded = await loadManifests([dir]);
    expect(loaded.unreadable.length).toBeGreaterThan(0);
    expect(loaded.objects).toHaveLength(5);
  });
});
