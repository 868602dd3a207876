import { DOCKERFILE_RULES, lintDockerfile } from '@nimbus/check';
import { dockerfileFor } from '@nimbus/render';
import { describe, expect, it } from 'vitest';

const BAD = `FROM node
ARG NPM_TOKEN=abc123
ENV API_KEY=sk-live-1234
WORKDIR /app
COPY . .
RUN npm ci \\
    --omit=dev
ADD https://example.com/tool.tar.gz /opt/
CMD node server.js
`;

describe('Dockerfile lint', () => {
  const ids = (text: string) => lintDockerfile(text, 'Dockerfile').map((f) => `${f.ruleId}:${f.line}`);

  it('finds every problem of a careless Dockerfile, each at its line', () => {
    expect(ids(BAD).sort()).toEqual(
      [
        'dockerfile-base-pinned:1',
        'dockerfile-secret:2',
        'dockerfile-secret:3',
        'dockerfile-non-root:1',
        'dockerfile-dependency-cache:5',
        'dockerfile-add-url:8',
        'dockerfile-exec-form:9',
      ].sort(),
    );
  });

  it('passes the generated templates', () => {
    for (const language of ['node', 'go', 'python'] as const) expect(ids(dockerfileFor({ language }, 8080)), language).toEqual([]);
  });

  it('understands stages, ARG-substituted bases, digests and root users', () => {
    expect(ids('ARG BASE=alpine:latest\nFROM ${BASE}\nUSER 1000\n')).toEqual(['dockerfile-base-pinned:2']);
    expect(ids('FROM golang:1.24 AS build\nFROM build\nUSER 65532\n')).toEqual([]);
    expect(ids('FROM alpine@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945\nUSER root\n')).toEqual([
      'dockerfile-non-root:2',
    ]);
  });

  it('documents every rule it reports', () => {
    const documented = new Set(DOCKERFILE_RULES.map((r) => r.id));
    for (const f of lintDockerfile(BAD, 'Dockerfile')) expect(documented.has(f.ruleId as never)).toBe(true);
  });
});
