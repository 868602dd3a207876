import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { loadApp } from '@nimbus/model';
import { dockerfileFor, renderArtifacts } from '@nimbus/render';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = new URL('../../../', import.meta.url).pathname;
const specFile = 'test/fixtures/specs/mesh-istio/nimbus.yaml';
const spec = loadApp([{ file: specFile, text: readFileSync(join(root, specFile), 'utf8') }]).spec;
const artifacts = Object.fromEntries(renderArtifacts(spec, { specPath: specFile }).map((f) => [f.path, f.content]));
const workflowText = artifacts['.github/workflows/nimbus.yaml'] as string;

describe('CI workflow', () => {
  it("is valid for GitHub's own workflow parser", async () => {
    const result = parseWorkflow({ name: 'nimbus.yaml', content: workflowText }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const template = await convertWorkflowTemplate(result.context, result.value as NonNullable<typeof result.value>);
    expect(template.errors ?? []).toEqual([]);
    expect(template.jobs.map((j) => j.id.value).sort()).toEqual(['build', 'deploy', 'test']);
  });

  it('is valid for actionlint (when built by bench/peers.sh)', () => {
    const actionlint = join(process.env.NIMBUS_PEERS ?? join(homedir(), '.cache/nimbus-testbed/peers'), 'actionlint');
    if (!existsSync(actionlint)) return;
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-wf-'));
    writeFileSync(join(dir, 'nimbus.yaml'), workflowText);
    const r = spawnSync(actionlint, ['-shellcheck=', '-pyflakes=', join(dir, 'nimbus.yaml')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('builds, scans with a failing gate, pushes by commit SHA, and deploys by a GitOps commit, not kubectl', () => {
    const wf = parse(workflowText);
    const build = wf.jobs.build.steps;
    const scan = build.find((s: { uses?: string }) => s.uses?.startsWith('aquasecurity/trivy-action'));
    expect(scan.with['exit-code']).toBe('1');
    expect(build.find((s: { name?: string }) => s.name === 'Push').with.tags).toBe('${{ matrix.image }}:${{ github.sha }}');
    expect(wf.jobs.build.strategy.matrix.include[0]).toMatchObject({
      image: 'ghcr.io/acme/store-frontend',
      file: 'docker/frontend.Dockerfile',
    });
    expect(workflowText).not.toContain('kubectl');
    expect(wf.jobs.deploy.steps.map((s: { run?: string }) => s.run ?? '').join('\n')).toContain(
      '--image-tag ${{ github.sha }} --out gitops/clusters/prod/store',
    );
    expect(workflowText).toContain('"on":');
  });
});

describe('Argo CD Application', () => {
  it('syncs automatically with prune, self-heal, CreateNamespace and backoff 5s x2 up to 3m, 5 retries', () => {
    const app = parse(artifacts['argocd/application.yaml'] as string);
    expect(app.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(app.spec.source).toEqual({
      repoURL: 'https://git.example.com/acme/store-deploy.git',
      path: 'clusters/prod/store',
      targetRevision: 'HEAD',
    });
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'store' });
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(app.spec.syncPolicy.syncOptions).toContain('CreateNamespace=true');
    expect(app.spec.syncPolicy.retry).toEqual({ limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } });
  });
});

describe('Dockerfile templates', () => {
  for (const language of ['node', 'go', 'python'] as const) {
    it(`${language}: multi-stage, dependencies before sources, pinned bases, non-root, exec-form command`, () => {
      const text = dockerfileFor({ language }, 8080);
      const lines = text.split('\n');
      expect(lines.filter((l) => l.startsWith('FROM '))).toHaveLength(2);
      expect(text).toMatch(/ARG BUILD_IMAGE=[^:\s]+:[\w.-]+/);
      expect(text).not.toMatch(/:latest/);
      const depCopy = lines.findIndex((l) => /^COPY (package\.json|go\.mod|requirements\.txt)/.test(l));
      const sourceCopy = lines.indexOf('COPY . .');
      expect(depCopy).toBeGreaterThan(0);
      expect(depCopy).toBeLessThan(sourceCopy);
      expect(lines.filter((l) => l.startsWith('USER ')).pop()).toMatch(/^USER [1-9]/);
      expect(text).toContain('EXPOSE 8080');
      expect(lines.filter((l) => /^(CMD|ENTRYPOINT) /.test(l)).pop()).toMatch(/^(CMD|ENTRYPOINT) \[/);
    });
  }
});
