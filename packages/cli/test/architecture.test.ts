import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;

/** The allowed arrows between packages, as docs/architecture.md lists them. */
const ALLOWED: Record<string, string[]> = {
  model: [],
  render: ['model'],
  check: ['model', 'render'],
  project: ['model', 'render', 'check'],
  kube: ['model'],
  delivery: ['model', 'render', 'check', 'kube'],
  docker: ['model', 'render', 'check'],
  cli: ['model', 'render', 'check', 'project', 'kube', 'delivery', 'docker', 'guard', 'gitops'],
  gitops: ['model', 'render', 'project', 'kube', 'delivery'],
  runtime: [],
  guard: ['runtime'],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

const importsOf = (text: string) => [...text.matchAll(/(?:from|import\()\s*'([^']+)'/g)].map((m) => m[1] as string);

/** Every import of another Nimbus package in a package's sources. */
function nimbusImports(pkg: string): { file: string; spec: string; target: string }[] {
  return sources(join(root, 'packages', pkg, 'src')).flatMap((file) =>
    importsOf(readFileSync(file, 'utf8')).flatMap((spec) => {
      const target = /^@nimbus\/([a-z]+)/.exec(spec)?.[1];
      return target && target !== pkg ? [{ file, spec, target }] : [];
    }),
  );
}

describe('package architecture', () => {
  const packages = readdirSync(join(root, 'packages')).filter(
    (p) => p in ALLOWED || readdirSync(join(root, 'packages', p)).includes('src'),
  );

  it('knows every package', () => {
    for (const p of packages) expect(Object.keys(ALLOWED), `packages/${p} is not in docs/architecture.md`).toContain(p);
  });

  it('has no arrow that docs/architecture.md does not allow', () => {
    const wrong = packages.flatMap((pkg) =>
      nimbusImports(pkg)
        .filter((i) => !ALLOWED[pkg]?.includes(i.target))
        .map((i) => `${relative(root, i.file)} imports ${i.spec}`),
    );
    expect(wrong).toEqual([]);
  });

  it('declares in package.json exactly the Nimbus packages it imports', () => {
    for (const pkg of packages) {
      const manifest = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      const declared = Object.keys(manifest.dependencies ?? {})
        .filter((d) => d.startsWith('@nimbus/'))
        .map((d) => d.slice(8))
        .sort();
      expect(declared, `packages/${pkg}/package.json`).toEqual([...new Set(nimbusImports(pkg).map((i) => i.target))].sort());
    }
  });

  it('keeps CLI command files apart: none imports another', () => {
    const dir = join(root, 'packages/cli/src/commands');
    const wrong = sources(dir).flatMap((file) =>
      importsOf(readFileSync(file, 'utf8'))
        .filter((spec) => spec.startsWith('./') || spec.startsWith('../commands/'))
        .map((spec) => `${relative(root, file)} imports ${spec}`),
    );
    expect(wrong).toEqual([]);
  });
});
