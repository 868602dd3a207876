// Builds the bundle of custom resource schemas `nimbus check` validates against
// offline, from the CRDs upstream projects ship inside their Go modules. The
// modules come through `go mod download` (checksums verified against the Go
// checksum database, cached in the module cache). Used by
// scripts/update-crd-schemas.mjs and by the drift test, so both derive alike.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The upstream CRDs bundled: module, version and the files or folders holding them. */
export const CRD_SOURCES = [
  { module: 'istio.io/api', version: 'v1.32.0', files: ['kubernetes/customresourcedefinitions.gen.yaml'] },
  { module: 'sigs.k8s.io/gateway-api', version: 'v1.6.3', files: ['config/crd/experimental/'] },
  { module: 'github.com/argoproj/argo-cd/v3', version: 'v3.5.7', files: ['manifests/crds/'] },
  { module: 'github.com/prometheus-operator/prometheus-operator', version: 'v0.85.0', files: ['example/prometheus-operator-crd/'] },
];

/** The module's files on disk, downloaded when not cached. */
export function moduleDir(module, version) {
  const out = execFileSync('go', ['mod', 'download', '-json', `${module}@${version}`], {
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod', GO111MODULE: 'on' },
    cwd: '/',
    maxBuffer: 16 * 1024 * 1024,
  });
  const info = JSON.parse(out);
  if (info.Error || !info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? 'no directory'}`);
  return info.Dir;
}

const yamlFilesUnder = (path) =>
  statSync(path).isDirectory()
    ? readdirSync(path)
        .sort()
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => join(path, f))
    : [path];

/** Every CustomResourceDefinition document of one source. */
export function crdsOf(source) {
  const dir = moduleDir(source.module, source.version);
  const crds = [];
  for (const entry of source.files)
    for (const file of yamlFilesUnder(join(dir, entry)))
      for (const doc of parseAllDocuments(readFileSync(file, 'utf8'), { maxAliasCount: -1 })) {
        const value = doc.toJS();
        if (value?.kind === 'CustomResourceDefinition') crds.push(value);
      }
  return crds;
}

/** The bundle for these sources, made with the check package's own conversion. */
export async function buildCrdBundle(sources = CRD_SOURCES) {
  const { customKindsOf, bundleCustomKinds } = await import('@nimbus/check');
  const kinds = sources.flatMap((s) => crdsOf(s).flatMap(customKindsOf));
  return bundleCustomKinds(kinds, sources);
}
