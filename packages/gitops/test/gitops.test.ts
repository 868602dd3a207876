import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChecks } from '@nimbus/check';
import type { KubeObject } from '@nimbus/model';
import { describe, expect, it } from 'vitest';
import { loadSyncApps, parseSyncApp } from '../src/apps.js';
import { backoffMs, type DecideInput, decideSync } from '../src/decide.js';
import { fingerprint } from '../src/drift.js';
import { parseAuthor } from '../src/export.js';
import { renderController } from '../src/in-cluster.js';
import type { SyncState } from '../src/status.js';

const synced = (commit: string, extra: Partial<SyncState> = {}): SyncState => ({
  phase: 'Synced',
  commit,
  revision: 3,
  message: '',
  driftRepairs: 0,
  ...extra,
});

describe('when sync applies', () => {
  const base = { latest: 'c2', now: 100_000, failures: 0, lastAttemptAt: undefined };
  const cases: [string, Partial<DecideInput>, ReturnType<typeof decideSync>][] = [
    ['a first sync', { state: undefined }, { action: 'apply', reason: 'first sync' }],
    ['Git unchanged', { state: synced('c2') }, { action: 'hold', reason: 'in sync' }],
    ['Git unchanged, forced', { state: synced('c2'), force: true }, { action: 'apply', reason: 'forced' }],
    ['a new commit', { state: synced('c1') }, { action: 'apply', reason: 'new commit' }],
    ['a sync cut short', { state: synced('c2', { phase: 'Progressing' }) }, { action: 'apply', reason: 'resumed' }],
    [
      'pinned at this commit',
      { state: synced('c2', { phase: 'Pinned', pinned: { revision: 4, commit: 'c2', at: '' } }) },
      { action: 'hold', reason: 'pinned' },
    ],
    [
      'pinned, Git moved on',
      { state: synced('c1', { phase: 'Pinned', pinned: { revision: 4, commit: 'c1', at: '' } }) },
      { action: 'apply', reason: 'new commit' },
    ],
    [
      'pinned, resumed',
      { state: synced('c2', { pinned: { revision: 4, commit: 'c2', at: '' } }), resume: true },
      { action: 'apply', reason: 'resumed' },
    ],
    [
      'failed twice at this commit, 5 s ago',
      { state: synced('c1', { phase: 'Failed', latestCommit: 'c2' }), failures: 2, lastAttemptAt: 95_000 },
      { action: 'hold', reason: 'backing off', retryAt: 105_000 },
    ],
    [
      'failed twice at this commit, 11 s ago',
      { state: synced('c1', { phase: 'Failed', latestCommit: 'c2' }), failures: 2, lastAttemptAt: 89_000 },
      { action: 'apply', reason: 'retry' },
    ],
    [
      'failed at an older commit',
      { state: synced('c1', { phase: 'Failed', latestCommit: 'c1' }), failures: 3, lastAttemptAt: 99_000 },
      { action: 'apply', reason: 'new commit' },
    ],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(decideSync({ ...base, state: undefined, ...input } as DecideInput)).toEqual(expected);
  });

  it('backs off 5 s, 10 s, 20 s … up to 5 minutes', () => {
    expect([1, 2, 3, 4, 10, 20].map(backoffMs)).toEqual([5000, 10_000, 20_000, 40_000, 300_000, 300_000]);
  });
});

describe('app definitions', () => {
  it('read a directory of SyncApp documents, with defaults', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-apps-'));
    writeFileSync(
      join(dir, 'a.yaml'),
      `apiVersion: nimbus.dev/v1alpha1
kind: SyncApp
metadata: { name: shop }
spec:
  source: { repo: https://git.example.com/deploy.git, path: shop/prod, environment: prod }
---
apiVersion: nimbus.dev/v1alpha1
kind: SyncApp
metadata: { name: blog }
spec:
  namespace: web
  selfHeal: false
  source: { repo: /srv/git/blog.git, revision: v2.1.0 }
`,
    );
    const apps = await loadSyncApps(dir);
    expect(apps.map((a) => [a.name, a.namespace, a.revision, a.path, a.environment, a.selfHeal])).toEqual([
      ['shop', 'shop', 'HEAD', 'shop/prod', 'prod', true],
      ['blog', 'web', 'v2.1.0', '.', undefined, false],
    ]);
    expect(apps[1]?.source).toBe(`${join(dir, 'a.yaml')}:7`);
  });

  it.each([
    [{ kind: 'Application' }, /expected kind SyncApp/],
    [{ kind: 'SyncApp', metadata: {} }, /`name` is missing/],
    [{ kind: 'SyncApp', metadata: { name: 'Shop' }, spec: {} }, /not a valid app name/],
    [{ kind: 'SyncApp', metadata: { name: 'shop' }, spec: {} }, /`spec.source` is missing/],
    [{ kind: 'SyncApp', metadata: { name: 'shop' }, spec: { source: { path: 'x' } } }, /`repo` is missing/],
    [{ kind: 'SyncApp', metadata: { name: 'shop' }, spec: { prune: 'yes', source: { repo: 'r' } } }, /`spec.prune` must be true or false/],
  ])('refuse %o with a message naming the place', (doc, message) => {
    expect(() => parseSyncApp(doc, 'apps.yaml:3')).toThrow(message);
    expect(() => parseSyncApp(doc, 'apps.yaml:3')).toThrow(/^apps\.yaml:3/);
  });

  it('refuse two apps of one name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-apps-'));
    const doc = 'kind: SyncApp\nmetadata: { name: shop }\nspec: { source: { repo: r } }\n';
    writeFileSync(join(dir, 'a.yaml'), doc);
    writeFileSync(join(dir, 'b.yaml'), doc);
    await expect(loadSyncApps(dir)).rejects.toThrow(/app 'shop' is already defined at .*a\.yaml:1/);
  });
});

describe('drift fingerprints', () => {
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'api',
      namespace: 'shop',
      labels: { app: 'api' },
      resourceVersion: '1',
      annotations: { 'deployment.kubernetes.io/revision': '1' },
    },
    spec: { replicas: 2 },
  };
  it('ignore status and controller bookkeeping', () => {
    const later = {
      ...deployment,
      metadata: { ...deployment.metadata, resourceVersion: '9', annotations: { 'deployment.kubernetes.io/revision': '4' } },
      status: { readyReplicas: 2 },
    };
    expect(fingerprint(later as KubeObject)).toBe(fingerprint(deployment));
  });
  it('see a change of spec or labels', () => {
    expect(fingerprint({ ...deployment, spec: { replicas: 5 } })).not.toBe(fingerprint(deployment));
    expect(fingerprint({ ...deployment, metadata: { ...deployment.metadata, labels: { app: 'x' } } })).not.toBe(fingerprint(deployment));
  });
});

describe('the in-cluster controller', () => {
  const apps = [
    parseSyncApp({ kind: 'SyncApp', metadata: { name: 'shop' }, spec: { source: { repo: 'https://git.example.com/d.git' } } }, 'x'),
    parseSyncApp(
      { kind: 'SyncApp', metadata: { name: 'blog' }, spec: { namespace: 'web', source: { repo: 'https://git.example.com/d.git' } } },
      'x',
    ),
  ];
  const objects = renderController({ namespace: 'nimbus-system', image: 'registry.example.com/nimbus:0.1.0', apps });

  it('may write only in its apps’ namespaces', () => {
    const bindings = objects.filter(
      (o) => o.kind === 'RoleBinding' && (o as { roleRef: { name: string } }).roleRef.name === 'nimbus-sync-write',
    );
    expect(bindings.map((b) => b.metadata.namespace).sort()).toEqual(['shop', 'web']);
    const clusterBindings = objects
      .filter((o) => o.kind === 'ClusterRoleBinding')
      .map((b) => (b as { roleRef: { name: string } }).roleRef.name);
    expect(clusterBindings.sort()).toEqual(['nimbus-sync-namespaces', 'nimbus-sync-read']);
    const read = objects.find((o) => o.metadata.name === 'nimbus-sync-read') as unknown as { rules: { verbs: string[] }[] };
    expect(read.rules.flatMap((r) => r.verbs).sort()).toEqual(['get', 'list', 'watch']);
  });

  it('runs two replicas under Pod Security "restricted" with no error findings', () => {
    const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as { spec: { replicas: number } };
    expect(deployment.spec.replicas).toBe(2);
    const errors = runChecks(objects).filter((f) => f.severity === 'error');
    expect(errors.map((f) => `${f.rule}: ${f.message}`)).toEqual([]);
  });
});

describe('commit authors', () => {
  it('are "Name <email>"', () => {
    expect(parseAuthor('Release Bot <bot@example.com>')).toEqual({ name: 'Release Bot', email: 'bot@example.com' });
    expect(() => parseAuthor('bot@example.com')).toThrow(/not "Name <email>"/);
  });
});
