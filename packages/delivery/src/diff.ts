import type { KubeClient } from '@nimbus/kube';
import { type KubeObject, mapConcurrent, objectKey, refKey, refOf } from '@nimbus/model';
import { toYaml } from '@nimbus/render';
import { planRelease } from './plan.js';
import { ReleaseStore } from './releases.js';

export interface ObjectDiff {
  key: string;
  change: 'create' | 'update' | 'delete';
  /** Unified-style lines: ' ' same, '-' live, '+' desired. Secrets' data never appear. */
  lines: string[];
}

const VOLATILE_META = ['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp', 'selfLink'];

/** What a diff compares: the object as the server would store it, minus bookkeeping and status. */
export function normalizeForDiff(o: KubeObject): KubeObject {
  const copy = structuredClone(o) as KubeObject & { status?: unknown; data?: Record<string, string>; stringData?: unknown };
  delete copy.status;
  for (const k of VOLATILE_META) delete copy.metadata[k];
  const annotations = { ...(copy.metadata.annotations ?? {}) };
  delete annotations['deployment.kubernetes.io/revision'];
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  if (Object.keys(annotations).length) copy.metadata.annotations = annotations;
  else delete copy.metadata.annotations;
  if (copy.kind === 'Secret') {
    // Never show a secret value: only which keys exist and whether they changed.
    if (copy.data)
      copy.data = Object.fromEntries(Object.entries(copy.data).map(([k, v]) => [k, `(${v.length} bytes, hash ${hashText(v)})`]));
    delete copy.stringData;
  }
  return copy;
}

function hashText(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16);
}

/** The longest-common-subsequence table of two line lists: lcs[i][j] for a[i..], b[j..]. */
function lcsTable(a: readonly string[], b: readonly string[]): number[][] {
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    const row = lcs[i] as number[];
    const below = lcs[i + 1] as number[];
    for (let j = b.length - 1; j >= 0; j--)
      row[j] = a[i] === b[j] ? (below[j + 1] as number) + 1 : Math.max(below[j] as number, row[j + 1] as number);
  }
  return lcs;
}

/** A minimal line diff (longest common subsequence), enough for manifests. */
export function lineDiff(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const lcs = lcsTable(a, b);
  const at = (i: number, j: number) => (lcs[i] as number[])[j] as number;
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(` ${a[i++]}`);
      j++;
    } else if (i < a.length && (j === b.length || at(i + 1, j) >= at(i, j + 1))) out.push(`-${a[i++]}`);
    else out.push(`+${b[j++]}`);
  }
  return out;
}

/**
 * Compares desired objects with the cluster: each is dry-run applied, so the
 * server fills in its defaults on the desired side too, and only real changes
 * show. Deletions are the deploy plan's prune list: exactly what a deploy would
 * delete, never a kept Namespace.
 */
export async function diffObjects(
  client: KubeClient,
  app: string,
  namespace: string,
  desired: readonly KubeObject[],
): Promise<ObjectDiff[]> {
  const diffs = await mapConcurrent(desired, 16, async (o): Promise<ObjectDiff | undefined> => {
    const live = await client.get(refOf(o));
    if (!live)
      return {
        key: objectKey(o),
        change: 'create',
        lines: toYaml(normalizeForDiff(o))
          .trimEnd()
          .split('\n')
          .map((l) => `+${l}`),
      };
    const dry = await client.apply(o, { dryRun: true });
    const before = toYaml(normalizeForDiff(live));
    const after = toYaml(normalizeForDiff(dry));
    return before === after ? undefined : { key: objectKey(o), change: 'update', lines: lineDiff(before.trimEnd(), after.trimEnd()) };
  });
  const history = await new ReleaseStore(client, namespace, app).list();
  const plan = planRelease({ app, namespace, desired, history });
  const deletes = [...plan.prune].reverse().map((r): ObjectDiff => ({ key: refKey(r), change: 'delete', lines: [`-${r.kind} ${r.name}`] }));
  return [...diffs.filter((d): d is ObjectDiff => d !== undefined), ...deletes];
}

/** Only the changed lines with a little context, as `diff -u` shows them. */
export function compactDiff(lines: readonly string[], context = 3): string[] {
  const keep = new Set<number>();
  lines.forEach((l, i) => {
    if (l[0] !== ' ') for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k++) keep.add(k);
  });
  const out: string[] = [];
  let last = -1;
  for (const i of [...keep].sort((x, y) => x - y)) {
    if (last >= 0 && i > last + 1) out.push(' ...');
    out.push(lines[i] as string);
    last = i;
  }
  return out;
}
