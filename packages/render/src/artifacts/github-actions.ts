import type { AppSpec } from '@nimbus/model';
import { imageRepository, type ResolvedApp } from '../resolve.js';

/** Actions pinned to major versions GitHub maintains. */
const ACTIONS = {
  checkout: 'actions/checkout@v4',
  setupNode: 'actions/setup-node@v4',
  buildx: 'docker/setup-buildx-action@v3',
  login: 'docker/login-action@v3',
  build: 'docker/build-push-action@v6',
  trivy: 'aquasecurity/trivy-action@0.33.1',
};

const IS_MAIN_PUSH = "github.event_name == 'push' && github.ref == 'refs/heads/main'";

export interface WorkflowOptions {
  /** The spec's path relative to the repository root. */
  specPath: string;
  spec: AppSpec;
}

/**
 * The CI workflow: test on every push and pull request; build each service's
 * image with a layer cache, tag it by commit, scan it (the build fails on HIGH
 * or CRITICAL findings) and push it on main; then deploy by committing the
 * re-rendered manifests to the GitOps repository. Argo CD syncs from there;
 * nothing edits live objects (`kubectl set image` would fight self-heal).
 */
export function githubWorkflow(app: ResolvedApp, options: WorkflowOptions): Record<string, unknown> | undefined {
  const ci = app.ci;
  if (!ci) return undefined;
  const built = app.services.filter((s) => s.spec.build);
  const registry = ci.registry.replace(/\/+$/, '');
  const image = (svc: string) => imageRepository(options.spec, svc, options.spec.spec.services[svc] ?? {});
  // The deploy renders the named environment, or prod when the spec declares one.
  const env = ci.environment ?? (options.spec.spec.environments?.prod ? 'prod' : undefined);
  const envFlag = env ? ` --env ${env}` : '';
  const manifestsPath = app.gitops?.path ?? `deploy/${app.name}`;
  const jobs: Record<string, unknown> = {
    test: {
      name: 'Test and check',
      'runs-on': 'ubuntu-24.04',
      steps: [
        { uses: ACTIONS.checkout },
        { uses: ACTIONS.setupNode, with: { 'node-version': ci.nodeVersion ?? '20', cache: 'npm' } },
        { name: 'Install', run: 'npm ci' },
        { name: 'Test', run: 'npm test' },
        { name: 'Check the deployment', run: `npx nimbus check ${options.specPath}${envFlag}` },
      ],
    },
  };
  if (built.length) {
    jobs.build = {
      name: 'Build ${{ matrix.service }}',
      needs: 'test',
      'runs-on': 'ubuntu-24.04',
      permissions: { contents: 'read', packages: 'write' },
      strategy: {
        'fail-fast': true,
        matrix: {
          include: built.map((s) => ({
            service: s.name,
            context: s.spec.build?.context,
            // Without a Dockerfile of its own, the service builds from the one `nimbus render --artifacts .` generates.
            file: s.spec.build?.dockerfile ? `${s.spec.build.context}/${s.spec.build.dockerfile}` : `docker/${s.name}.Dockerfile`,
            image: image(s.name),
          })),
        },
      },
      steps: [
        { uses: ACTIONS.checkout },
        { uses: ACTIONS.buildx },
        {
          name: 'Build',
          uses: ACTIONS.build,
          with: {
            context: '${{ matrix.context }}',
            file: '${{ matrix.file }}',
            load: true,
            tags: '${{ matrix.image }}:${{ github.sha }}',
            'cache-from': 'type=gha,scope=${{ matrix.service }}',
            'cache-to': 'type=gha,mode=max,scope=${{ matrix.service }}',
          },
        },
        {
          name: 'Scan (fails on HIGH or CRITICAL)',
          uses: ACTIONS.trivy,
          with: {
            'image-ref': '${{ matrix.image }}:${{ github.sha }}',
            severity: 'HIGH,CRITICAL',
            'exit-code': '1',
            'ignore-unfixed': true,
          },
        },
        {
          name: 'Log in to the registry',
          if: IS_MAIN_PUSH,
          uses: ACTIONS.login,
          with: { registry: registry.split('/')[0], username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' },
        },
        {
          name: 'Push',
          if: IS_MAIN_PUSH,
          uses: ACTIONS.build,
          with: {
            context: '${{ matrix.context }}',
            file: '${{ matrix.file }}',
            push: true,
            tags: '${{ matrix.image }}:${{ github.sha }}',
            'cache-from': 'type=gha,scope=${{ matrix.service }}',
          },
        },
      ],
    };
  }
  jobs.deploy = {
    name: 'Deploy through GitOps',
    needs: built.length ? 'build' : 'test',
    if: IS_MAIN_PUSH,
    'runs-on': 'ubuntu-24.04',
    concurrency: { group: `deploy-${app.name}`, 'cancel-in-progress': false },
    steps: [
      { uses: ACTIONS.checkout },
      ...(ci.manifestsRepo
        ? [{ uses: ACTIONS.checkout, with: { repository: ci.manifestsRepo, token: '${{ secrets.MANIFESTS_TOKEN }}', path: 'gitops' } }]
        : []),
      { uses: ACTIONS.setupNode, with: { 'node-version': ci.nodeVersion ?? '20', cache: 'npm' } },
      { name: 'Install', run: 'npm ci' },
      {
        name: 'Render manifests for this commit',
        run: `npx nimbus render ${options.specPath}${envFlag} --image-tag \${{ github.sha }} --out ${ci.manifestsRepo ? 'gitops/' : ''}${manifestsPath}`,
      },
      {
        name: 'Commit and push',
        'working-directory': ci.manifestsRepo ? 'gitops' : '.',
        run: [
          'git config user.name "nimbus-ci"',
          'git config user.email "nimbus-ci@users.noreply.github.com"',
          `git add ${manifestsPath}`,
          `git diff --cached --quiet || git commit -m "deploy ${app.name} \${{ github.sha }}"`,
          'git push',
        ].join('\n'),
      },
    ],
  };
  return {
    name: `${app.name} CI/CD`,
    on: { push: { branches: ['main'] }, pull_request: {} },
    permissions: { contents: ci.manifestsRepo ? 'read' : 'write' },
    concurrency: { group: '${{ github.workflow }}-${{ github.ref }}', 'cancel-in-progress': true },
    jobs,
  };
}
