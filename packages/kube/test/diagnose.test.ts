import type { KubeObject } from '@nimbus/model';
import { describe, expect, it } from 'vitest';
import { diagnosePods, podSelectorOf, workloadCounts } from '../src/diagnose.js';

const NOW = Date.parse('2026-01-01T00:01:00Z');
const pod = (name: string, status: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', creationTimestamp: '2026-01-01T00:00:00Z', ...extra },
  status,
});
const waiting = (reason: string, message = '', restartCount = 0, last?: Record<string, unknown>) => ({
  containerStatuses: [
    { name: 'app', restartCount, state: { waiting: { reason, message } }, ...(last ? { lastState: { terminated: last } } : {}) },
  ],
});

describe('diagnosePods', () => {
  it.each([
    ['an image that does not exist', waiting('ErrImagePull', 'failed to resolve reference "x:1": not found'), 'ImagePull', true],
    ['a pull that may be transient', waiting('ErrImagePull', 'dial tcp: i/o timeout'), 'ImagePull', false],
    ['a pull backing off', waiting('ImagePullBackOff', 'Back-off pulling image "x:1"'), 'ImagePull', true],
    ['an image never pulled by policy', waiting('ErrImageNeverPull', 'image is not present'), 'ImagePull', true],
    ['a missing Secret key', waiting('CreateContainerConfigError', 'secret "db" not found'), 'CreateFailed', true],
    ['a first crash', waiting('CrashLoopBackOff', 'back-off 10s', 1, { exitCode: 3, reason: 'Error' }), 'CrashLoop', true],
    [
      'one restart, running again',
      { containerStatuses: [{ name: 'app', restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 1 } } }] },
      'CrashLoop',
      false,
    ],
    ['an OOM kill', waiting('CrashLoopBackOff', '', 2, { exitCode: 137, reason: 'OOMKilled' }), 'OOMKilled', true],
    [
      'a second crash shown as terminated before the back-off is reported',
      {
        containerStatuses: [
          {
            name: 'app',
            restartCount: 1,
            state: { terminated: { exitCode: 1, reason: 'Error' } },
            lastState: { terminated: { exitCode: 1 } },
          },
        ],
      },
      'CrashLoop',
      true,
    ],
    [
      'a first exit, not yet restarted',
      { containerStatuses: [{ name: 'app', restartCount: 0, state: { terminated: { exitCode: 1 } } }] },
      'CrashLoop',
      false,
    ],
  ])('%s', (_, status, reason, fatal) => {
    const [p] = diagnosePods([pod('p', status as Record<string, unknown>)], [], { now: NOW });
    expect(p?.reason).toBe(reason);
    expect(p?.fatal).toBe(fatal);
  });

  it('names the exit code and asks for the crashed container log', () => {
    const [p] = diagnosePods([pod('p', waiting('CrashLoopBackOff', '', 2, { exitCode: 3, reason: 'Error' }))], [], { now: NOW });
    expect(p?.message).toContain('exited with code 3');
    expect(p?.wantsPreviousLog).toBe(true);
    expect(p?.container).toBe('app');
  });

  it('gives an unschedulable pod a grace period, then fails it with the scheduler message', () => {
    const message = "0/4 nodes are available: 4 node(s) did not match Pod's node affinity/selector.";
    const status = {
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastTransitionTime: '2026-01-01T00:00:50Z' }],
    };
    expect(diagnosePods([pod('p', status)], [], { now: NOW })[0]).toMatchObject({ reason: 'Unschedulable', message, fatal: false });
    expect(diagnosePods([pod('p', status)], [], { now: NOW + 10_000 })[0]?.fatal).toBe(true);
    // Options left undefined keep their defaults.
    expect(diagnosePods([pod('p', status)], [], { now: NOW + 10_000, unschedulableGraceMs: undefined })[0]?.fatal).toBe(true);
  });

  it('reports failing probes from events without failing the wait, and evictions', () => {
    const events: KubeObject[] = [
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'e1' },
        involvedObject: { kind: 'Pod', name: 'p' },
        reason: 'Unhealthy',
        message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
      },
    ];
    const [probe] = diagnosePods([pod('p', { phase: 'Running' })], events, { now: NOW });
    expect(probe).toMatchObject({ reason: 'ProbeFailed', fatal: false });
    expect(probe?.message).toContain('statuscode: 503');
    expect(diagnosePods([pod('q', { phase: 'Failed', reason: 'Evicted', message: 'low on memory' })], [], { now: NOW })[0]).toMatchObject({
      reason: 'Evicted',
    });
  });

  it('has nothing to say about a pod that is simply starting, or one being deleted', () => {
    expect(diagnosePods([pod('p', waiting('ContainerCreating'))], [], { now: NOW })).toEqual([]);
    expect(diagnosePods([pod('p', waiting('ImagePullBackOff'), { deletionTimestamp: '2026-01-01T00:00:59Z' })], [], { now: NOW })).toEqual(
      [],
    );
  });

  it('puts fatal problems first', () => {
    const found = diagnosePods(
      [pod('a', { phase: 'Running' }), pod('b', waiting('ImagePullBackOff'))],
      [
        {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: 'e' },
          involvedObject: { kind: 'Pod', name: 'a' },
          reason: 'Unhealthy',
          message: 'Liveness probe failed',
        },
      ],
      { now: NOW },
    );
    expect(found.map((p) => p.pod)).toEqual(['b', 'a']);
  });
});

describe('workload counts and selectors', () => {
  it('reads the counts kubectl rollout status shows', () => {
    const d = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'd', tier: 'x' } } },
      status: { updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 },
    };
    expect(workloadCounts(d)).toEqual({ desired: 3, updated: 2, ready: 1, available: 1 });
    expect(podSelectorOf(d)).toBe('app=d,tier=x');
    expect(podSelectorOf({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } })).toBeUndefined();
  });
});
