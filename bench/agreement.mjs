// Agreement with kube-score on manifests nobody here wrote (the corpus of
// scripts/lib/corpus.mjs), rule by rule: for each kube-score check, on the
// objects both tools read, how often Nimbus flags the same object with the
// rules that cover the same concern. docs/kube-score-agreement.md explains
// each deliberate disagreement.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { checkFiles } from '@nimbus/project';
import { corpusDirs } from '../scripts/lib/corpus.mjs';
import { peerBinary } from './peers.mjs';

/** kube-score check → the Nimbus rules that judge the same concern. */
export const COVERAGE = {
  'stable-version': ['deprecated-api'],
  'container-image-tag': ['container-image-tag'],
  'container-image-pull-policy': ['container-pull-policy'],
  'container-resources': ['container-resource-requests', 'container-memory-limit', 'container-cpu-limit'],
  'container-ephemeral-storage-request-and-limit': ['container-ephemeral-storage'],
  'container-security-context-privileged': ['container-privileged'],
  'container-security-context-readonlyrootfilesystem': ['container-read-only-root-fs'],
  'container-security-context-user-group-id': ['pod-run-as-non-root'],
  'pod-probes': ['container-readiness-probe', 'container-liveness-probe'],
  'pod-probes-identical': ['container-probes-identical'],
  'pod-networkpolicy': ['workload-network-policy'],
  'environment-variable-key-duplication': ['container-env-duplicate'],
  'deployment-pod-selector-labels-match-template-metadata-labels': ['workload-selector-labels', 'schema'],
  'deployment-replicas': ['workload-single-replica'],
  'deployment-has-poddisruptionbudget': ['workload-pdb'],
  'statefulset-has-poddisruptionbudget': ['workload-pdb'],
  'deployment-has-host-podantiaffinity': ['workload-spread'],
  'statefulset-has-host-podantiaffinity': ['workload-spread'],
  'deployment-targeted-by-hpa-does-not-have-replicas-configured': ['hpa-and-replicas'],
  'horizontalpodautoscaler-has-target': ['hpa-target'],
  'service-type': ['service-node-port'],
  'service-targets-pod': ['service-selector'],
  'ingress-targets-service': ['ingress-backend'],
  'networkpolicy-targets-pod': ['network-policy-selects-pods'],
};

const kubeScore = peerBinary('kube-score');
if (!kubeScore) {
  console.log('agreement: kube-score not built; run `bash bench/peers.sh`');
  process.exit(0);
}

function score(files) {
  const peer = spawnSync(kubeScore, ['score', '-o', 'json', '--kubernetes-version', 'v1.35', ...files], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  try {
    return JSON.parse(peer.stdout) ?? [];
  } catch {
    return undefined;
  }
}

const show = process.env.AGREEMENT_SHOW; // a kube-score check id: print the objects the tools disagree on
// Objects are matched by kind, namespace and name; names defined more than once in the corpus are left out
// (kube-score attributes same-named objects of different files to one of them).
const key = (kind, namespace, name) => `${kind}|${namespace ?? ''}|${name}`;
const tally = new Map(); // check → { judged, both, peerOnly, oursOnly }
let objects = 0;
let compared = 0;
for (const { name, dir } of corpusDirs()) {
  const result = await checkFiles([dir], { cwd: dir, complete: true });
  const ours = new Map(); // object key → rule ids
  const seen = new Map();
  for (const o of result.objects) {
    const k = key(o.kind, o.metadata.namespace, o.metadata.name);
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  for (const f of result.findings) {
    if (!f.file || !f.resource) continue;
    const k = key(f.resource.kind, f.resource.namespace, f.resource.name);
    if (!ours.has(k)) ours.set(k, new Set());
    ours.get(k).add(f.ruleId);
  }
  const files = [...new Set(result.findings.filter((f) => f.file && f.ruleId !== 'not-kubernetes').map((f) => join(dir, f.file)))];
  // kube-score gives up on a whole batch when one file fails to parse: then file by file, leaving those out.
  const scored = score(files) ?? files.flatMap((f) => score([f]) ?? []);
  if (!scored.length) {
    console.log(`  ${name}: kube-score found no object it reads; left out`);
    continue;
  }
  objects += scored.length;
  for (const o of scored) {
    const k = key(o.type_meta.kind, o.object_meta.namespace, o.object_meta.name);
    if (seen.get(k) !== 1) continue;
    compared++;
    const flaggedByUs = ours.get(k) ?? new Set();
    for (const c of o.checks) {
      const rules = COVERAGE[c.check.id];
      if (!rules || c.skipped) continue;
      const t = tally.get(c.check.id) ?? { judged: 0, both: 0, peerOnly: 0, oursOnly: 0 };
      const peerFlags = c.grade < 10;
      const weFlag = rules.some((r) => flaggedByUs.has(r));
      t.judged++;
      if (show === c.check.id && peerFlags !== weFlag)
        console.log(
          `  ${peerFlags ? 'kube-score only' : 'Nimbus only'}: ${o.object_name} ${o.file_name}:${o.file_row} ${JSON.stringify(c.comments ?? [])}`,
        );
      if (peerFlags && weFlag) t.both++;
      else if (peerFlags) t.peerOnly++;
      else if (weFlag) t.oursOnly++;
      tally.set(c.check.id, t);
    }
  }
}

console.log(`agreement with kube-score: ${compared} of ${objects} upstream objects it scored (names defined once), per kube-score check`);
console.log(
  `  ${'kube-score check'.padEnd(62)} ${'judged'.padStart(6)} ${'both'.padStart(5)} ${'only k-s'.padStart(8)} ${'only us'.padStart(7)} agree`,
);
let judged = 0;
let agreed = 0;
for (const [id, t] of [...tally].sort()) {
  const agree = (t.judged - t.peerOnly - t.oursOnly) / t.judged;
  judged += t.judged;
  agreed += t.judged - t.peerOnly - t.oursOnly;
  console.log(
    `  ${id.padEnd(62)} ${String(t.judged).padStart(6)} ${String(t.both).padStart(5)} ${String(t.peerOnly).padStart(8)} ${String(t.oursOnly).padStart(7)} ${(agree * 100).toFixed(1).padStart(5)}%`,
  );
}
console.log(`  overall: ${((agreed / judged) * 100).toFixed(1)}% of ${judged} verdicts`);
