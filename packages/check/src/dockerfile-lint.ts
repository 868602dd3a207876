import type { Finding } from './finding.js';

interface Instruction {
  keyword: string;
  args: string;
  line: number;
  stage: number;
}

/** Splits a Dockerfile into instructions (continuations joined, comments dropped), numbering stages. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  let stage = -1;
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i] as string;
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) line = `${line.replace(/\\\s*$/, ' ')}${lines[++i]}`;
    const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const keyword = (m[1] as string).toUpperCase();
    if (keyword === 'FROM') stage++;
    out.push({ keyword, args: (m[2] as string).trim(), line: start + 1, stage });
  }
  return out;
}

const SECRET = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?)/i;
const INSTALL =
  /\b(npm (ci|install)|yarn( install)?|pnpm install|pip3? install|poetry install|go mod download|bundle install|composer install|cargo fetch)\b/;

/** What every Dockerfile rule reads: the instructions, global ARG defaults, and the final stage. */
interface DockerfileContext {
  ins: Instruction[];
  args: Map<string, string>;
  finalStage: number;
}

interface DockerfileHit {
  ruleId: string;
  severity: Finding['severity'];
  line: number;
  message: string;
  fix: string;
}

/** A Dockerfile rule: a pure function of the parsed file. */
type DockerfileRule = (ctx: DockerfileContext) => DockerfileHit[];

const resolveArgs = (ctx: DockerfileContext, s: string) =>
  s.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, n: string) => ctx.args.get(n) ?? whole);

const isUnpinned = (image: string) => {
  const last = image.slice(image.lastIndexOf('/') + 1);
  return !image.includes('@sha256:') && (!last.includes(':') || last.endsWith(':latest'));
};

const basePinned: DockerfileRule = (ctx) => {
  const stageNames = new Set<string>();
  const hits: DockerfileHit[] = [];
  for (const i of ctx.ins.filter((x) => x.keyword === 'FROM')) {
    const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'));
    const image = resolveArgs(ctx, parts[0] ?? '');
    if (parts[1]?.toUpperCase() === 'AS' && parts[2]) stageNames.add(parts[2]);
    if (image === 'scratch' || stageNames.has(image) || image.includes('$') || !isUnpinned(image)) continue;
    hits.push({
      ruleId: 'dockerfile-base-pinned',
      severity: 'error',
      line: i.line,
      message: `base image '${image}' is not pinned to a version`,
      fix: 'use a version tag (node:20.19.5-bookworm-slim) or a digest',
    });
  }
  return hits;
};

const nonRoot: DockerfileRule = ({ ins, finalStage }) => {
  const users = ins.filter((i) => i.keyword === 'USER' && i.stage === finalStage);
  const lastUser = users[users.length - 1];
  if (lastUser && !/^(root|0)(:|$)/.test(lastUser.args)) return [];
  return [
    {
      ruleId: 'dockerfile-non-root',
      severity: 'error',
      line: lastUser?.line ?? ins.find((i) => i.keyword === 'FROM' && i.stage === finalStage)?.line ?? 1,
      message: 'the final stage runs as root',
      fix: 'add USER 10001:10001 (a non-root UID) to the final stage',
    },
  ];
};

const addUrl: DockerfileRule = ({ ins }) =>
  ins
    .filter((i) => i.keyword === 'ADD' && /https?:\/\//.test(i.args))
    .map((i) => ({
      ruleId: 'dockerfile-add-url',
      severity: 'warning',
      line: i.line,
      message: 'ADD downloads a URL without verification',
      fix: 'download with curl and check a checksum in RUN, or COPY a vendored file',
    }));

const noSecrets: DockerfileRule = ({ ins }) =>
  ins
    .filter((i) => (i.keyword === 'ENV' || i.keyword === 'ARG') && SECRET.test(i.args.split(/[=\s]/)[0] ?? '') && /[=\s]\S/.test(i.args))
    .map((i) => ({
      ruleId: 'dockerfile-secret',
      severity: 'error',
      line: i.line,
      message: `${i.keyword} bakes a secret-like value into the image`,
      fix: 'pass secrets at run time, or use a build secret (RUN --mount=type=secret)',
    }));

const execForm: DockerfileRule = ({ ins }) =>
  ins
    .filter((i) => (i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT') && !i.args.startsWith('['))
    .map((i) => ({
      ruleId: 'dockerfile-exec-form',
      severity: 'info',
      line: i.line,
      message: `${i.keyword} in shell form runs under /bin/sh, which does not forward SIGTERM`,
      fix: `write ${i.keyword} ["executable", "arg"]`,
    }));

const dependencyCache: DockerfileRule = ({ ins, finalStage }) => {
  const hits: DockerfileHit[] = [];
  for (let s = 0; s <= finalStage; s++) {
    const stage = ins.filter((i) => i.stage === s);
    const copyAll = stage.find(
      (i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && /(^|\s)\.\/?\s+\S+$/.test(i.args) && !i.args.includes('--from'),
    );
    const install = stage.find((i) => i.keyword === 'RUN' && INSTALL.test(i.args));
    if (copyAll && install && copyAll.line < install.line) {
      hits.push({
        ruleId: 'dockerfile-dependency-cache',
        severity: 'warning',
        line: copyAll.line,
        message: 'all sources are copied before dependencies are installed: every change reinstalls them',
        fix: 'COPY the manifest and lock file first, install, then COPY the rest',
      });
    }
  }
  return hits;
};

/** The Dockerfile rules, in the order their findings are reported. */
const LINT_RULES: readonly DockerfileRule[] = [basePinned, nonRoot, addUrl, noSecrets, execForm, dependencyCache];

/** Global ARG defaults (before the first FROM), which FROM lines may use. */
function globalArgs(ins: readonly Instruction[]): Map<string, string> {
  const args = new Map<string, string>();
  for (const i of ins.filter((x) => x.keyword === 'ARG' && x.stage < 0)) {
    const [name, value] = i.args.split('=');
    if (name && value !== undefined) args.set(name.trim(), value.trim());
  }
  return args;
}

/**
 * Lints a Dockerfile into findings: unpinned or `latest` bases, a final stage
 * running as root, ADD of URLs, secrets in ENV/ARG, sources copied before the
 * dependency install (no layer caching), shell-form CMD/ENTRYPOINT.
 */
export function lintDockerfile(text: string, file: string): Finding[] {
  const ins = parseDockerfile(text);
  const ctx: DockerfileContext = { ins, args: globalArgs(ins), finalStage: Math.max(...ins.map((i) => i.stage)) };
  return LINT_RULES.flatMap((rule) => rule(ctx)).map((h) => ({
    ruleId: h.ruleId,
    severity: h.severity,
    message: h.message,
    file,
    line: h.line,
    fix: h.fix,
  }));
}

/** Metadata of the Dockerfile rules, for `nimbus explain`. */
export const DOCKERFILE_RULES = [
  {
    id: 'dockerfile-base-pinned',
    severity: 'error',
    title: 'Base images are pinned',
    why: 'An unpinned base changes under the build: two builds of one commit differ, and a vulnerable base slips in unseen.',
    fix: 'Pin a version tag or a digest.',
  },
  {
    id: 'dockerfile-non-root',
    severity: 'error',
    title: 'The image runs as a non-root user',
    why: 'Pod Security "restricted" requires runAsNonRoot; an image whose user is root fails to start there, and root widens any escape.',
    fix: 'USER 10001:10001 in the final stage.',
  },
  {
    id: 'dockerfile-add-url',
    severity: 'warning',
    title: 'No ADD of URLs',
    why: 'ADD fetches without checksum verification and defeats layer caching.',
    fix: 'Download in RUN and verify a checksum.',
  },
  {
    id: 'dockerfile-secret',
    severity: 'error',
    title: 'No secrets in ENV or ARG',
    why: 'ENV and ARG values are stored in the image history for anyone who pulls it.',
    fix: 'Use RUN --mount=type=secret or runtime configuration.',
  },
  {
    id: 'dockerfile-dependency-cache',
    severity: 'warning',
    title: 'Dependencies are installed before sources are copied',
    why: 'Copying all sources first invalidates the dependency layer on every change: slow builds and CI cache misses.',
    fix: 'Copy manifests and lock files, install, then copy sources.',
  },
  {
    id: 'dockerfile-exec-form',
    severity: 'info',
    title: 'CMD and ENTRYPOINT use exec form',
    why: 'Shell form wraps the process in /bin/sh, which does not forward SIGTERM: no graceful shutdown, killed after the grace period.',
    fix: 'CMD ["node", "server.js"].',
  },
] as const;
