// `nimbus check -f` on manifests nobody here wrote (scripts/lib/corpus.mjs):
// every upstream directory is checked to the end, no rule gives up on an
// object, nothing reaches NIMBUS_INTERNAL, and the findings keep their files.
import { spawnSync } from 'node:child_process';
import { checkFiles } from '@nimbus/project';
import { describe, expect, it } from 'vitest';
import { corpusDirs } from '../../scripts/lib/corpus.mjs';

const cli = new URL('../../packages/cli/bin/nimbus.cjs', import.meta.url).pathname;
const dirs = corpusDirs();

describe('the corpus of upstream manifests', () => {
  it('is there: every source directory fetched', () => {
    expect(dirs.length).toBeGreaterThanOrEqual(10);
  });

  for (const { name, dir } of dirs) {
    it(`checks ${name} without an abort or a rule giving up`, async () => {
      const result = await checkFiles([dir], { cwd: dir });
      expect(result.objects.length, name).toBeGreaterThan(0);
      const gaveUp = result.findings.filter((f) => /could not read these objects/.test(f.message));
      expect(gaveUp, name).toEqual([]);
      // Every finding about an object points at the file that holds it.
      expect(
        result.findings.filter((f) => f.resource && !f.file).map((f) => f.ruleId),
        name,
      ).toEqual([]);
    }, 120_000);
  }

  it('the CLI over the whole corpus ends with findings (exit 1), never with an internal error', () => {
    const r = spawnSync(process.execPath, [cli, 'check', '-f', ...dirs.map((d) => d.dir), '-o', 'json', '--quiet'], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    expect(r.stderr).not.toContain('NIMBUS_INTERNAL');
    expect(r.status, r.stderr.slice(0, 2000)).toBe(1);
    const { findings } = JSON.parse(r.stdout) as { findings: { ruleId: string }[] };
    expect(findings.length).toBeGreaterThan(1000);
  }, 300_000);
});
