import { Command, CommanderError, Option } from '@commander-js/extra-typings';
import type { CliContext, Verbosity } from './context.js';

import { VERSION } from './version.js';

export { VERSION };

/** `-e a -e b` (or `-e a,b`): environments layered in order. */
const layerEnvironments = (value: string, previous: string | undefined) => (previous ? `${previous},${value}` : value);

/** Flags read before parsing, wherever they stand on the line. */
const GLOBAL_FLAGS = new Set(['--no-color', '-q', '--quiet', '--verbose']);

class UsageError extends Error {
  readonly code = 'NIMBUS_USAGE';
}
const usageError = (message: string) => new UsageError(message);

/**
 * kubectl's spellings that commander does not read: `-o=json` (a short option with `=`). Long
 * options with `=` (`--output=json`) commander reads itself.
 */
export function normalizeArgs(argv: readonly string[]): string[] {
  return argv.flatMap((a) => {
    const m = /^(-[a-zA-Z])=(.*)$/.exec(a);
    return m ? [m[1] as string, m[2] as string] : [a];
  });
}

/**
 * Builds the command tree. Heavy modules load inside each action, so
 * `nimbus --help` stays fast.
 */
export function buildProgram(ctx: CliContext, setExit: (code: number) => void): Command {
  const program = new Command('nimbus')
    .description('From one spec to a secure, observable, autoscaled deployment.')
    .version(VERSION, '--version')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
      // Usage errors in the same form as every other error.
      outputError: (s, write) => write(s.replace(/^error: /, 'error[NIMBUS_USAGE] ')),
    })
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('--no-color', 'no colours (also NO_COLOR; FORCE_COLOR forces them)')
    .option('-q, --quiet', 'results and errors only: no progress, notes or summaries')
    .option('--verbose', 'every step (unchanged objects too), and the stack with an internal error')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('render')
    .description('Render the app into Kubernetes manifests (no cluster needed).')
    .argument('[spec...]', 'nimbus.yaml, Score files, or a directory holding them', [])
    .option('-e, --env <name>', 'apply an environment overlay from spec.environments', layerEnvironments)
    .option('--out <dir>', 'write one file per object plus kustomization.yaml into DIR')
    .addOption(new Option('-o, --output <format>', 'stdout format').choices(['yaml', 'json']).default('yaml'))
    .option('-n, --namespace <ns>', 'override the target namespace')
    .option('--name <app>', 'app name when rendering Score workloads only')
    .option('--report <file>', 'also write a self-contained HTML report')
    .option('--artifacts <dir>', 'also write the Argo CD Application, CI workflow and generated Dockerfiles under DIR')
    .option('--image-tag <tag>', 'tag for the images of built services (CI passes the commit SHA)')
    .option('--force', 'write over a file, or into a directory Nimbus did not write (its other files stay)')
    .addHelpText(
      'after',
      "\nExamples:\n  nimbus render examples/shop --out out/shop --report out/shop/report.html\n  nimbus render -e prod -o json | jq '.items | length'\n  nimbus render --artifacts ci/ --image-tag $GITHUB_SHA",
    )
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
    .option('-e, --env <name>', 'apply an environment overlay first', layerEnvironments)
    .option('--config <file>', `rule levels (default: ${'.nimbus-check.yaml'} beside the spec or here)`)
    .option('--strict', 'with -f: files and documents that are not Kubernetes objects are errors, not skipped')
    .option('--name <app>', 'app name when checking Score workloads only')
    .option('--complete', 'with -f: the files are the whole app, so a reference to something absent is an error')
    .option('--scorecard', 'with -f: also print the elasticity scorecard (always printed for a spec)')
    .addHelpText(
      'after',
      '\nExamples:\n  nimbus check\n  nimbus check -f k8s/ --complete --scorecard\n  nimbus check -f k8s/ -o sarif > check.sarif\n  kubectl get deploy -o yaml | nimbus check -f -',
    )
    .action(async (spec, opts) => {
      const { runCheck } = await import('./commands/check.js');
      setExit(await runCheck(spec, opts, ctx));
    });

  program
    .command('explain')
    .description('Explain a check rule: what it checks, why, and how to fix it. Without a rule, list them.')
    .argument('[rule]', 'rule id, e.g. container-image-tag')
    .addHelpText('after', '\nExamples:\n  nimbus explain\n  nimbus explain container-image-tag')
    .action(async (rule) => {
      const { runExplain } = await import('./commands/explain.js');
      setExit(runExplain(rule, ctx));
    });

  const target = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .argument('[spec...]', 'nimbus.yaml, Score files, or a directory holding them', [])
      .option('-f, --filename <paths...>', 'plain Kubernetes YAML files or directories instead of a spec')
      .option('-e, --env <name>', 'apply an environment overlay', layerEnvironments)
      .option('-n, --namespace <ns>', 'target namespace')
      .option('--app <name>', 'app name (default: from the spec, or the file name with -f)')
      .option('--strict', 'with -f: files and documents that are not Kubernetes objects are errors, not skipped');
  const globals = (cmd: { optsWithGlobals(): Record<string, unknown> }) =>
    cmd.optsWithGlobals() as { kubeconfig?: string; context?: string };

  target('deploy', 'Apply the app as a new release: validate, apply in stages, prune, wait.')
    .option(
      '--dry-run [mode]',
      'change nothing: server (default) shows the plan and validates every object with the server; client only plans',
    )
    .option('--no-wait', 'do not wait for the objects to become healthy')
    .option('--timeout <duration>', 'how long to wait for health, e.g. 90s, 5m', '5m')
    .option('--atomic', 'on failure, roll back to the previous revision')
    .option('--force', 'allow pruning everything, Namespaces included')
    .option('--prometheus <url>', 'the Prometheus that judges canaries of services with a rollout block')
    .addHelpText(
      'after',
      '\nExamples:\n  nimbus deploy --timeout 5m --atomic\n  nimbus deploy -e prod -n shop --prometheus http://prometheus:9090\n  nimbus deploy -f k8s/ --app legacy --dry-run=server',
    )
    .action(async (spec, opts, cmd) => {
      const { runDeploy } = await import('./commands/deploy.js');
      setExit(await runDeploy(spec, { ...opts, ...globals(cmd) }, ctx));
    });

  target('diff', 'Show what a deploy would change (server-side dry run); exit 1 if anything would.')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'yaml']).default('text'))
    .addHelpText('after', '\nExamples:\n  nimbus diff -e prod\n  nimbus diff -f k8s/ --app legacy -o yaml')
    .action(async (spec, opts, cmd) => {
      const { runDiff } = await import('./commands/inspect.js');
      setExit(await runDiff(spec, { ...opts, ...globals(cmd) }, ctx));
    });

  target('status', 'Health of every object of the current release, per service.')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'yaml']).default('text'))
    .addHelpText('after', '\nExamples:\n  nimbus status\n  nimbus status --app shop -n shop -o json')
    .action(async (spec, opts, cmd) => {
      const { runStatus } = await import('./commands/inspect.js');
      setExit(await runStatus(spec, { ...opts, ...globals(cmd) }, ctx));
    });

  target('history', 'List the kept releases (10) of the app.')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'yaml']).default('text'))
    .addHelpText('after', '\nExamples:\n  nimbus history\n  nimbus history --app shop -n shop -o yaml')
    .action(async (spec, opts, cmd) => {
      const { runHistory } = await import('./commands/inspect.js');
      setExit(await runHistory(spec, { ...opts, ...globals(cmd) }, ctx));
    });

  program
    .command('rollback')
    .description('Re-apply an earlier revision (default: the one before the current) as a new release.')
    .argument('[revision]', 'revision number from nimbus history')
    .option('--app <name>', 'app name (default: from ./nimbus.yaml)')
    .option('-n, --namespace <ns>', 'namespace of the app')
    .option('--no-wait', 'do not wait for health')
    .option('--timeout <duration>', 'how long to wait for health', '5m')
    .addHelpText('after', '\nExamples:\n  nimbus rollback\n  nimbus rollback 3 -n shop')
    .action(async (revision, opts, cmd) => {
      const { runRollback } = await import('./commands/deploy.js');
      setExit(await runRollback([], revision, { ...opts, ...globals(cmd) }, ctx));
    });

  program
    .command('scale')
    .description('Set the replica count of a service (through the scale subresource).')
    .argument('<service>')
    .argument('[replicas]', 'the count (or --replicas, as kubectl writes it)')
    .option('--replicas <n>', 'the count')
    .option('--app <name>', 'app name (default: from ./nimbus.yaml)')
    .option('-n, --namespace <ns>', 'namespace of the app')
    .addHelpText('after', '\nExamples:\n  nimbus scale api --replicas 3\n  nimbus scale api 3 -n shop')
    .action(async (service, replicas, opts, cmd) => {
      const count = opts.replicas ?? replicas;
      if (count === undefined) throw usageError('scale needs a count: nimbus scale SERVICE --replicas N');
      const { runScale } = await import('./commands/inspect.js');
      setExit(await runScale([], service, count, { ...opts, ...globals(cmd) }, ctx));
    });

  program
    .command('version')
    .description('Print the version of nimbus and of the Node.js it runs on.')
    .addHelpText(
      'after',
      '\nExamples:\n  nimbus version\n  nimbus version -o json\n  nimbus version --verbose   # how it started: one-file build, code cache, schema validators',
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts) => {
      const { runVersion } = await import('./commands/version.js');
      runVersion(opts, ctx);
    });

  program
    .command('completion')
    .description('Print a shell completion script: bash, zsh or fish.')
    .argument('<shell>', 'bash | zsh | fish')
    .addHelpText(
      'after',
      '\nExamples:\n  source <(nimbus completion bash)\n  nimbus completion fish > ~/.config/fish/completions/nimbus.fish',
    )
    .action(async (shell) => {
      const { completionScript } = await import('./completion.js');
      ctx.stdout.write(completionScript(shell, program as never));
    });

  program
    .command('logs')
    .description("Print the logs of a service's pods.")
    .argument('<service>')
    .option('--tail <lines>', 'lines per pod', '100')
    .option('-f, --follow', 'stream new lines until Ctrl-C')
    .option('-c, --container <name>', "a container of the pods (default the service's own; e.g. guard)")
    .option('--since <duration>', 'only lines newer than this, e.g. 5m')
    .option('-p, --previous', "the previous instance's log (after a restart)")
    .option('-l, --selector <labels>', 'only pods with these labels too, e.g. nimbus.dev/track=canary')
    .addHelpText(
      'after',
      '\nExamples:\n  nimbus logs api --since 10m\n  nimbus logs web -c guard\n  nimbus logs api -p -l nimbus.dev/track=canary',
    )
    .option('--app <name>', 'app name (default: from ./nimbus.yaml)')
    .option('-n, --namespace <ns>', 'namespace of the app')
    .action(async (service, opts, cmd) => {
      const { runLogs } = await import('./commands/inspect.js');
      setExit(await runLogs([], service, { ...opts, ...globals(cmd) }, ctx));
    });

  target('destroy', "Delete everything the app's releases applied, and the release records.")
    .option('--include-namespace', 'delete the namespace too')
    .addHelpText('after', '\nExamples:\n  nimbus destroy --app shop -n shop')
    .action(async (spec, opts, cmd) => {
      const { runDestroy } = await import('./commands/inspect.js');
      setExit(await runDestroy(spec, { ...opts, ...globals(cmd) }, ctx));
    });

  program
    .command('build')
    .description("Build every service's image (its Dockerfile, or a generated one), tagged by content; --push to its registry.")
    .argument('[spec...]', 'nimbus.yaml, Score files, or a directory holding them', [])
    .option('-e, --env <name>', 'apply an environment overlay', layerEnvironments)
    .option('--push', 'push each image after building it')
    .option('--tag <tag>', 'tag for every image (default: a hash of its build context)')
    .option('--build-arg <KEY=VALUE...>', 'extra build arguments, e.g. BUILD_IMAGE=mirror/node:20')
    .option('--parallel <n>', 'images built at once', '2')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--docker-host <url>', 'Docker engine (default $DOCKER_HOST)')
    .addHelpText('after', '\nExamples:\n  nimbus build --push\n  nimbus build --tag $GITHUB_SHA --build-arg RUNTIME_IMAGE=mirror/node:20')
    .action(async (spec, opts) => {
      const { runBuild } = await import('./commands/build.js');
      setExit(await runBuild(spec, opts, ctx));
    });

  for (const [name, description] of [
    ['up', 'Run the whole app on the local Docker engine: network, images, backing services, services in dependency order, readiness.'],
    ['down', 'Remove the containers and network `nimbus up` created.'],
  ] as const) {
    const command = program
      .command(name)
      .description(description)
      .argument('[spec...]', 'nimbus.yaml, Score files, or a directory holding them', [])
      .option('-e, --env <name>', 'apply an environment overlay (e.g. dev)', layerEnvironments)
      .option('--timeout <seconds>', 'how long to wait for readiness', '60')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
      .option('--docker-host <url>', 'Docker engine (default $DOCKER_HOST)');
    if (name === 'up') {
      command
        .option('--build-arg <KEY=VALUE...>', 'extra build arguments, e.g. RUNTIME_IMAGE=mirror/node:20')
        .option('-f, --follow', "stay attached: print every service's output until Ctrl-C");
    }
    command.addHelpText(
      'after',
      name === 'up'
        ? '\nExamples:\n  nimbus up -e dev\n  nimbus up -f --build-arg RUNTIME_IMAGE=mirror/node:20'
        : '\nExamples:\n  nimbus down -e dev',
    );
    command.action(async (spec, opts) => {
      const { runDown, runUp } = await import('./commands/up.js');
      setExit(await (name === 'up' ? runUp : runDown)(spec, opts, ctx));
    });
  }

  program
    .command('scan')
    .description('Inventory an image (SBOM), match it against OSV advisories offline, and gate on severity.')
    .argument('<image>', 'image reference on the Docker engine')
    .option('--advisories <dir>', 'directory of OSV advisories (JSON)')
    .option('--sbom <file>', 'write a CycloneDX SBOM')
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 at this advisory severity or above')
        .choices(['none', 'low', 'medium', 'high', 'critical'])
        .default('high'),
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .option('--docker-host <url>', 'Docker engine (default $DOCKER_HOST)')
    .addHelpText(
      'after',
      '\nExamples:\n  nimbus scan ghcr.io/acme/api:1.4.2 --advisories osv/ --fail-on high\n  nimbus scan api:dev --sbom api.cdx.json -o sarif',
    )
    .action(async (image, opts) => {
      const { runScan } = await import('./commands/scan.js');
      setExit(await runScan(image, opts, ctx));
    });

  program
    .command('release')
    .description("A service's canary during a progressive deploy: status, promote, abort, pause, resume.")
    .argument('<action>', 'status | promote | abort | pause | resume')
    .argument('<service>')
    .option('--app <name>', 'app name (default: from ./nimbus.yaml)')
    .option('-n, --namespace <ns>', 'namespace of the app')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', '\nExamples:\n  nimbus release status api\n  nimbus release promote api -n shop\n  nimbus release abort api')
    .action(async (action, service, opts, cmd) => {
      const { runRelease } = await import('./commands/deploy.js');
      setExit(await runRelease(action, service, { ...opts, ...globals(cmd) }, ctx));
    });

  program
    .command('sync')
    .description('Keep the cluster equal to Git: apply each new commit as a release, and put live changes back as they are seen.')
    .option('--apps <path>', 'a file or directory of SyncApp definitions (many apps, one controller)')
    .option('--repo <url>', 'one app: its Git repository (URL or local path)')
    .option('--revision <ref>', 'branch, tag or commit (default HEAD)')
    .option('--path <dir>', 'directory in the repository: a nimbus.yaml or plain manifests (default the top)')
    .option('-e, --env <name>', 'environment overlay of a nimbus.yaml source', layerEnvironments)
    .option('--app <name>', 'one app: its name')
    .option('-n, --namespace <ns>', 'one app: its namespace (default its name)')
    .option('--once', 'reconcile every app once and exit (1 when any failed)')
    .option('--resume <app>', "lift the pin a rollback put on this app: Git's commit is applied again")
    .option('--poll <duration>', 'poll Git this often', '30s')
    .option('--port <port>', 'serve POST /hooks/git (a webhook syncs at once), /metrics, /health')
    .option('--lease-namespace <ns>', 'namespace of the lease that makes one controller of several act', 'default')
    .option('--cache-dir <dir>', 'where Git mirrors and checkouts are kept (default ~/.cache/nimbus/gitops)')
    .option('--timeout <duration>', 'health wait of each release; an unhealthy one is rolled back', '5m')
    .option('--identity <name>', 'name of this controller in the lease (default host-pid)')
    .option('--print-controller', 'print the in-cluster controller (Deployment, least-privilege RBAC, apps ConfigMap) and exit')
    .option('--image <ref>', 'with --print-controller: the nimbus image')
    .addOption(new Option('-o, --output <format>', 'event format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
Examples:
  nimbus sync --repo https://git.example.com/deploy.git --path shop/prod --app shop --port 9465
  nimbus sync --apps apps/ --once
  nimbus sync --apps apps/ --resume shop
  nimbus sync --apps apps/ --print-controller --lease-namespace nimbus-system | kubectl apply -f -`,
    )
    .action(async (opts, cmd) => {
      const { runSync } = await import('./commands/sync.js');
      setExit(await runSync({ ...opts, ...globals(cmd) }, ctx));
    });

  program
    .command('gitops')
    .description('GitOps helpers.')
    .addHelpText('after', '\nExamples:\n  nimbus gitops export --repo ../deploy --path shop -e dev prod -m "shop 1.4.2"')
    .command('export')
    .description('Render each environment into a path of a Git repository and commit it (the step a CI workflow runs).')
    .argument('[spec...]', 'nimbus.yaml, Score files, or a directory holding them', [])
    .requiredOption('--repo <dir>', 'a checkout of the manifests repository')
    .option('--path <dir>', 'directory inside it; each environment goes to <path>/<env> (default deploy/<app>)')
    .option('-e, --env <names...>', 'environments to render (default the base)')
    .option('-m, --message <text>', 'commit message')
    .option('--author <name-email>', 'commit author, "Name <email>"')
    .option('--image-tag <tag>', 'tag of every built image (CI passes the commit)')
    .option('--push', 'push the commit to the upstream branch')
    .action(async (spec, opts) => {
      const { runExport } = await import('./commands/sync.js');
      setExit(await runExport(spec, opts, ctx));
    });

  program
    .command('guard')
    .description(
      'Watch a process and its children with the runtime guard: shells, network tools, undeclared connections and listeners, file permissions, usage.',
    )
    .option('--pid <pid>', 'the process to guard')
    .option('-f, --file <paths...>', 'spec files or directory, with --service: the contract comes from the spec')
    .option('--service <name>', 'the service of the spec the process is')
    .option('-e, --env <name>', 'environment overlay of the spec', layerEnvironments)
    .option('--contract <file>', 'a contract file (JSON) instead of a spec')
    .option('--rules <files...>', 'rule files loaded after the built-in rules')
    .option('--no-builtin', 'leave the built-in rules out')
    .option('--watch <paths...>', 'paths whose files are watched (default: its working directory and /tmp)')
    .option('--interval <duration>', 'sample sockets and files this often', '1s')
    .option('--webhook <url>', 'also POST each finding here as JSON')
    .option('--once', 'take the baseline and one sample, then exit (1 when anything was found)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--list-rules', 'list the rules and exit')
    .option('--fields', 'list the fields rule conditions may use and exit')
    .addHelpText(
      'after',
      `
Examples:
  nimbus guard --pid 4242 -f nimbus.yaml --service api
  nimbus guard --pid $(pgrep -f server.js) --contract api.contract.json -o json
  nimbus guard --list-rules --rules team-rules.yaml`,
    )
    .action(async (opts) => {
      const { runGuard } = await import('./commands/guard.js');
      setExit(await runGuard(opts, ctx));
    });

  program
    .command('init')
    .description('Write a starter nimbus.yaml, or convert Score workloads into one.')
    .option('--name <app>', 'app name (default: the directory name)')
    .option('--from-score <files...>', 'convert these Score workload files')
    .option('-f, --file <path>', 'where to write (- for stdout)', 'nimbus.yaml')
    .option('--force', 'overwrite an existing file')
    .addHelpText('after', '\nExamples:\n  nimbus init --name shop\n  nimbus init --from-score score.yaml -f -')
    .action(async (opts) => {
      const { runInit } = await import('./commands/init.js');
      setExit(await runInit(opts, ctx));
    });

  return program;
}

/** Runs the CLI and returns its exit code; never throws. */
export async function main(argv: readonly string[], given: CliContext): Promise<number> {
  // --no-color, --quiet and --verbose anywhere on the line (--no-color as NO_COLOR does, https://no-color.org).
  const verbosity: Verbosity = argv.some((a) => a === '-q' || a === '--quiet')
    ? 'quiet'
    : argv.includes('--verbose')
      ? 'verbose'
      : (given.verbosity ?? 'normal');
  const ctx: CliContext = {
    ...given,
    verbosity,
    ...(argv.includes('--no-color') ? { env: { ...given.env, NO_COLOR: '1' } } : {}),
  };
  argv = argv.filter((a) => !GLOBAL_FLAGS.has(a));
  let exitCode = 0;
  const program = buildProgram(ctx, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(normalizeArgs(argv), { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? 0 : 2;
    }

    const { formatError } = await import('./format-error.js');
    const { painterFor } = await import('./context.js');
    const failure = err instanceof UsageError ? new (await import('@nimbus/model')).NimbusError('NIMBUS_USAGE', err.message) : err;
    const { text, exitCode: code } = formatError(
      failure,
      await painterFor(ctx.stderr, ctx.env),
      ctx.env.NIMBUS_DEBUG === '1' || verbosity === 'verbose',
    );
    ctx.stderr.write(`${text}\n`);
    return code;
  }
}
