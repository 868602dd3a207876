import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { refuseUnbuilt } from '../src/source.js';

describe('Git paths sync cannot apply as they are', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-source-'));
  const kustomization = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return { file: join(dir, name), reason: 'a kustomization: build it (kubectl kustomize DIR) to check what it produces' };
  };

  it('refuse a Helm chart, whose templates are not the objects', () => {
    expect(() => refuseUnbuilt(dir, 0, [{ file: join(dir, 'Chart.yaml'), reason: 'a Helm chart file' }])).toThrow(
      /holds a Helm chart \(Chart.yaml\)/,
    );
  });

  it('refuse a kustomization that changes what it lists (namePrefix, patches, bases), not one that only lists files', () => {
    const prefixed = kustomization(
      'k1.yaml',
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamePrefix: prod-\nresources: [a.yaml]\n',
    );
    expect(() => refuseUnbuilt(dir, 2, [prefixed])).toThrow(/kustomization \(k1.yaml\) that changes what it lists/);
    const listing = kustomization(
      'k2.yaml',
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml, b.yaml]\n',
    );
    expect(() => refuseUnbuilt(dir, 2, [listing])).not.toThrow();
    const based = kustomization('k3.yaml', 'resources: [../base]\n');
    expect(() => refuseUnbuilt(dir, 2, [based])).toThrow(/kustomization/);
  });

  it('refuse a path with no object at all', () => {
    expect(() => refuseUnbuilt(dir, 0, [])).toThrow(/holds no Kubernetes object/);
  });
});
