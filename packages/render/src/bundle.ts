import type { KubeObject } from './object.js';
import { toCanonicalJson, toYaml, toYamlStream } from './yaml.js';

/** A file to write: rendering returns these; writing them is the caller's job. */
export interface RenderedFile {
  path: string;
  content: string;
}

export function objectFileName(o: KubeObject): string {
  return `${o.kind.toLowerCase()}-${o.metadata.name}.yaml`;
}

/** One YAML file per object plus a kustomization.yaml listing them in apply order. */
export function bundleFiles(objects: readonly KubeObject[]): RenderedFile[] {
  const files = objects.map((o) => ({ path: objectFileName(o), content: toYaml(o) }));
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: files.map((f) => f.path),
  };
  return [...files, { path: 'kustomization.yaml', content: toYaml(kustomization) }];
}

export function objectsToYaml(objects: readonly KubeObject[]): string {
  return toYamlStream(objects);
}

/** A kubectl-style `List` in JSON. */
export function objectsToJson(objects: readonly KubeObject[]): string {
  return `${toCanonicalJson({ apiVersion: 'v1', kind: 'List', items: objects })}\n`;
}
