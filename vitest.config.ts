import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

// Tests import the TypeScript sources directly, so no build is needed to run them.
const alias = {
  // Sub-exports first: an alias also matches as a path prefix.
  '@nimbus/model/core': fileURLToPath(new URL('./packages/model/src/core.ts', import.meta.url)),
  '@nimbus/model': pkg('model'),
  '@nimbus/render': pkg('render'),
  '@nimbus/check': pkg('check'),
  '@nimbus/project/check-files': fileURLToPath(new URL('./packages/project/src/check-files.ts', import.meta.url)),
  '@nimbus/project': pkg('project'),
  '@nimbus/kube': pkg('kube'),
  // Sub-exports first: an alias also matches as a path prefix.
  '@nimbus/delivery/managers': fileURLToPath(new URL('./packages/delivery/src/managers/index.ts', import.meta.url)),
  '@nimbus/delivery': pkg('delivery'),
  '@nimbus/runtime': pkg('runtime'),
  '@nimbus/guard': pkg('guard'),
  '@nimbus/gitops': pkg('gitops'),
  '@nimbus/docker': pkg('docker'),
  '@nimbus/cli': pkg('cli'),
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts'],
          // GitHub's workflow parser imports JSON without an import attribute, which Node's own loader refuses.
          server: { deps: { inline: ['@actions/workflow-parser'] } },
          testTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'e2e/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
