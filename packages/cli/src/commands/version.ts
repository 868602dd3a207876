import { KUBERNETES_SCHEMA_VERSION, schemaValidatorsOrigin } from '@nimbus/check';
import type { CliContext } from '../context.js';
import { VERSION } from '../version.js';

/** `nimbus version`: this build and the Node.js it runs on; with -o json or --verbose, how it started too. */
export function runVersion(opts: { output?: string }, ctx: CliContext): void {
  const platform = `${process.platform}/${process.arch}`;
  const line = `nimbus ${VERSION} (node ${process.versions.node}, ${platform})\n`;
  if (opts.output !== 'json' && ctx.verbosity !== 'verbose') {
    ctx.stdout.write(line);
    return;
  }
  const startup = ctx.startup ?? { build: 'modules' };
  const details = {
    build: startup.build,
    ...(startup.codeCache ? { codeCache: startup.codeCache } : {}),
    schemaValidators: schemaValidatorsOrigin(),
    kubernetesSchema: KUBERNETES_SCHEMA_VERSION,
  };
  if (opts.output === 'json') {
    ctx.stdout.write(`${JSON.stringify({ nimbus: VERSION, node: process.versions.node, platform, ...details })}\n`);
    return;
  }
  const cache = startup.codeCache ? `, code cache ${startup.codeCache}` : '';
  ctx.stdout.write(
    `${line}  started from: ${startup.build === 'one-file' ? `the one-file build${cache}` : 'the modules'}\n` +
      `  schema validators: ${details.schemaValidators}, Kubernetes ${details.kubernetesSchema}\n`,
  );
}
