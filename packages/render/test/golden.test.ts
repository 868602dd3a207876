import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadApp } from '@nimbus/model';
import { sdkServices } from '@nimbus/project';
import { bundleFiles, renderApp, renderArtifacts } from '@nimbus/render';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
const update = process.env.NIMBUS_UPDATE_GOLDEN === '1';

/** Each case: spec files and an optional environment; golden output is one file per object. */
const cases: { name: string; files: string[]; env?: string }[] = [
  { name: 'shop', files: ['examples/shop/nimbus.yaml'] },
  { name: 'shop-dev', files: ['examples/shop/nimbus.yaml'], env: 'dev' },
  { name: 'shop-prod', files: ['examples/shop/nimbus.yaml'], env: 'prod' },
  ...readdirSync(join(root, 'test/fixtures/specs'))
    .filter((d) => !d.startsWith('.'))
    .sort()
    .map((d) => ({
      name: d,
      files: readdirSync(join(root, 'test/fixtures/specs', d))
        .filter((f) => f.endsWith('.yaml'))
        .sort()
        .map((f) => join('test/fixtures/specs', d, f)),
    })),
];

describe('golden bundles', () => {
  for (const c of cases) {
    it(`${c.name} renders exactly its golden files`, () => {
      const inputs = c.files.map((file) => ({ file, text: readFileSync(join(root, file), 'utf8') }));
      const app = loadApp(inputs, { environment: c.env });
      // As the CLI renders: services whose build context uses the runtime SDK are probed and scraped there.
      const sdk = sdkServices(app.spec, dirname(join(root, c.files[0] as string)));
      const artifacts = renderArtifacts(app.spec, { specPath: c.files[0], sdkServices: sdk }).map((f) => ({
        ...f,
        path: `artifacts/${f.path}`,
      }));
      const files = [...bundleFiles(renderApp(app.spec, { sdkServices: sdk }).objects), ...artifacts];
      const dir = join(root, 'test/golden', c.name);
      if (update) {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        for (const f of files) {
          mkdirSync(dirname(join(dir, f.path)), { recursive: true });
          writeFileSync(join(dir, f.path), f.content);
        }
      }
      expect(existsSync(dir), `no golden files for ${c.name}: run npm run golden:update`).toBe(true);
      const expected = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile()).sort();
      expect(files.map((f) => f.path).sort()).toEqual(expected);
      for (const f of files) expect(f.content, `${c.name}/${f.path}`).toBe(readFileSync(join(dir, f.path), 'utf8'));
    });
  }

  it('renders byte-identical output on repeated runs', () => {
    const text = readFileSync(join(root, 'examples/shop/nimbus.yaml'), 'utf8');
    const once = bundleFiles(renderApp(loadApp([{ text }]).spec).objects);
    const twice = bundleFiles(renderApp(loadApp([{ text }]).spec).objects);
    expect(twice).toEqual(once);
  });
});
