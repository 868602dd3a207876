import { Command, CommanderError, Option } from '@commander-js/extra-typings';
import type { CliContext } from './context.js';

import { VERSION } from './version.js';

export { VERSION };

/**
 * Builds the command tree. Heavy modules load inside each action, so
 * `nimbus --help` stays fast.
 */
export function buildProgram(ctx: CliContext, setExit: (code: number) => void): Command {
  const program = new Command('nimbus')
    .description('From one spec to a secure, observable, autoscaled deployment.')
    .version(VERSION, '--version')
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) })
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('render')
    .description('Render the app into Kubernetes manifests (no cluster needed).')
    .argument('[spec...]', 'nimbus.yaml, Score files, or a directory holding them', [])
    .option('-e, --env <name>', 'apply an environment overlay from spec.environments')
    .option('--out <dir>', 'write one file per object plus kustomization.yaml into DIR')
    .addOption(new Option('-o, --output <format>', 'stdout format').choices(['yaml', 'json']).default('yaml'))
    .option('-n, --namespace <ns>', 'override the target namespace')
    .option('--name <app>', 'app name when rendering Score workloads only')
    .option('--report <file>', 'also write a self-contained HTML report')
    .action(async (spec, opts) => {
      const { runRender } = await import('./commands/render.js');
      setExit(await runRender(spec, opts, ctx));
    });

  program
    .command('check')
    .description('Check a spec (as rendered) or plain manifests: schema, policy, 12-factor review, elasticity scorecard.')
    .argument('[spec...]', 'nimbus.yaml, Score files, or a directory holding them', [])
    .option('-f, --filename <paths...>', 'check plain Kubernetes YAML files or directories instead of a spec')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .option('-e, --env <name>', 'apply an environment overlay first')
    .option('--config <file>', `rule levels (default: ${'.nimbus-check.yaml'} beside the spec or here)`)
    .action(async (spec, opts) => {
      const { runCheck } = await import('./commands/check.js');
      setExit(await runCheck(spec, opts, ctx));
    });

  program
    .command('explain')
    .description('Explain a check rule: what it checks, why, and how to fix it. Without a rule, list them.')
    .argument('[rule]', 'rule id, e.g. container-image-tag')
    .action(async (rule) => {
      const { runExplain } = await import('./commands/explain.js');
      setExit(runExplain(rule, ctx));
    });

  program
    .command('init')
    .description('Write a starter nimbus.yaml, or convert Score workloads into one.')
    .option('--name <app>', 'app name (default: the directory name)')
    .option('--from-score <files...>', 'convert these Score workload files')
    .option('-f, --file <path>', 'where to write (- for stdout)', 'nimbus.yaml')
    .option('--force', 'overwrite an existing file')
    .action(async (opts) => {
      const { runInit } = await import('./commands/init.js');
      setExit(await runInit(opts, ctx));
    });

  return program;
}

/** Runs the CLI and returns its exit code; never throws. */
export async function main(argv: readonly string[], ctx: CliContext): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(ctx, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? 0 : 2;
    }
    const { formatError } = await import('./format-error.js');
    const { painterFor } = await import('./context.js');
    const { text, exitCode: code } = formatError(err, await painterFor(ctx.stderr, ctx.env), ctx.env.NIMBUS_DEBUG === '1');
    ctx.stderr.write(`${text}\n`);
    return code;
  }
}
