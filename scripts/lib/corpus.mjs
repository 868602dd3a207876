// A corpus of manifests nobody here wrote: the installation manifests and
// examples upstream projects ship inside their Go modules. Fetched through the
// Go module proxy (checksums verified against the Go checksum database) into
// the module cache, never committed. Used by the corpus test and the
// kube-score agreement benchmark.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { moduleDir } from './crd-bundle.mjs';

export const CORPUS_SOURCES = [
  { module: 'k8s.io/kubernetes', version: 'v1.35.4', dirs: ['cluster/addons', 'test/e2e/testing-manifests', 'test/fixtures'] },
  { module: 'istio.io/istio', version: 'v0.0.0-20260827124520-eed52ebb66ad', dirs: ['samples', 'manifests'] },
  { module: 'sigs.k8s.io/gateway-api', version: 'v1.6.3', dirs: ['examples'] },
  { module: 'github.com/argoproj/argo-cd/v3', version: 'v3.5.7', dirs: ['manifests'] },
  { module: 'github.com/prometheus-operator/prometheus-operator', version: 'v0.85.0', dirs: ['example'] },
  { module: 'sigs.k8s.io/kwok', version: 'v0.8.0', dirs: ['kustomize'] },
  { module: 'sigs.k8s.io/metrics-server', version: 'v0.8.0', dirs: ['manifests'] },
];

/** Every corpus directory on disk, downloading the modules not yet cached: `{ name, dir }`. */
export function corpusDirs(sources = CORPUS_SOURCES) {
  return sources.flatMap((s) => {
    const root = moduleDir(s.module, s.version);
    return s.dirs.map((d) => ({ name: `${s.module}@${s.version}/${d}`, dir: join(root, d) })).filter(({ dir }) => existsSync(dir));
  });
}
