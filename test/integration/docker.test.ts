import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerManager } from '@nimbus/docker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDockerHost, testRegistry } from './testbed.js';

const BASE = 'nimbus-test/busybox:1.35';
const run = Date.now().toString(36);

function context(dockerfile: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-ctx-'));
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

describe("the seed's Docker operations on a real engine", () => {
  let docker: DockerManager;
  beforeAll(() => {
    docker = new DockerManager({ host: testDockerHost() });
  });
  afterAll(async () => {
    await docker.cleanupContainers({ label: [`run=${run}`] });
    await docker.removeNetwork(`nimbus-${run}`);
  });

  it('builds a multi-stage image with build args, streaming its log', async () => {
    const lines: string[] = [];
    const id = await docker.buildImage({
      context: context(
        `FROM ${BASE} AS build\nARG GREETING=hello\nRUN echo "$GREETING from the build stage" > /greeting\nFROM ${BASE}\nCOPY --from=build /greeting /greeting\nCOPY index.html /www/index.html\nUSER 10001\nCMD ["/bin/httpd", "-f", "-p", "8080", "-h", "/www"]\n`,
        { 'index.html': 'served by nimbus\n' },
      ),
      tag: `nimbus-test/web:${run}`,
      buildArgs: { GREETING: 'bonjour' },
      onLog: (l) => lines.push(l),
    });
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(lines.some((l) => l.includes('Step 3/'))).toBe(true);
    const image = (await docker.docker.getImage(`nimbus-test/web:${run}`).inspect()) as { Config: { User: string } };
    expect(image.Config.User).toBe('10001');
  });

  it('fails a failed build with the engine’s error text', async () => {
    await expect(
      docker.buildImage({ context: context(`FROM ${BASE}\nRUN echo compiling && false\n`), tag: `nimbus-test/broken:${run}` }),
    ).rejects.toMatchObject({ code: 'NIMBUS_DOCKER_BUILD', message: expect.stringContaining('returned a non-zero code: 1') });
  });

  it('runs a container with ports on 127.0.0.1, env, volumes, a network and restart policy unless-stopped', async () => {
    const network = `nimbus-${run}`;
    expect(await docker.createNetwork(network)).toBe(await docker.createNetwork(network));
    const data = mkdtempSync(join(tmpdir(), 'nimbus-vol-'));
    mkdirSync(join(data, 'sub'));
    writeFileSync(join(data, 'sub', 'note.txt'), 'from the host\n');
    const port = 20_000 + Math.floor(Math.random() * 5000);
    const container = await docker.runContainer({
      image: `nimbus-test/web:${run}`,
      name: `web-${run}`,
      ports: { '8080/tcp': port },
      environment: { APP_MODE: 'test' },
      volumes: { [data]: { bind: '/data', mode: 'ro' } },
      network,
      labels: { run },
    });
    const info = (await container.inspect()) as {
      State: { Running: boolean };
      Config: { Env: string[] };
      HostConfig: { RestartPolicy: { Name: string }; Binds: string[]; PortBindings: Record<string, { HostIp: string }[]> };
      NetworkSettings: { Networks: Record<string, unknown> };
    };
    expect(info.State.Running).toBe(true);
    expect(info.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
    expect(info.Config.Env).toContain('APP_MODE=test');
    expect(info.HostConfig.Binds).toEqual([`${data}:/data:ro`]);
    expect(info.HostConfig.PortBindings['8080/tcp']?.[0]?.HostIp).toBe('127.0.0.1');
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([network]);
    let body = '';
    for (let i = 0; i < 50 && !body; i++) {
      body = await fetch(`http://127.0.0.1:${port}/index.html`).then(
        (r) => r.text(),
        () => '',
      );
      if (!body) await new Promise((r) => setTimeout(r, 100));
    }
    expect(body).toBe('served by nimbus\n');
    // The bind mount, read by a second container on the same network.
    const reader = await docker.runContainer({
      image: BASE,
      name: `reader-${run}`,
      command: ['/bin/cat', '/data/sub/note.txt'],
      volumes: { [data]: { bind: '/data', mode: 'ro' } },
      network,
      restartPolicy: 'no',
      labels: { run },
    });
    await reader.wait();
    const logs = (await reader.logs({ stdout: true })) as unknown as Buffer;
    expect(logs.toString('utf8')).toContain('from the host');
  });

  it('pushes to and pulls from the local registry', async () => {
    const ref = await docker.pushImage(`nimbus-test/web:${run}`, testRegistry(), 'shop/web', run);
    expect(ref).toBe(`${testRegistry()}/shop/web:${run}`);
    await docker.docker.getImage(ref).remove();
    await expect(docker.docker.getImage(ref).inspect()).rejects.toBeTruthy();
    await docker.pullImage(ref);
    const pulled = (await docker.docker.getImage(ref).inspect()) as { Config: { User: string } };
    expect(pulled.Config.User).toBe('10001');
    await expect(docker.pullImage(`${testRegistry()}/shop/missing:nope`)).rejects.toMatchObject({ code: 'NIMBUS_DOCKER' });
  });

  it('cleans up matching containers, stopped ones included, and nothing else', async () => {
    await docker.runContainer({ image: BASE, name: `stopped-${run}`, command: ['/bin/true'], restartPolicy: 'no', labels: { run } });
    const foreign = await docker.docker.createContainer({ Image: BASE, name: `foreign-${run}`, Cmd: ['/bin/true'], Labels: { run } });
    await new Promise((r) => setTimeout(r, 500));
    const removed = await docker.cleanupContainers({ label: [`run=${run}`] });
    expect(removed).toEqual([`reader-${run}`, `stopped-${run}`, `web-${run}`]);
    expect((await foreign.inspect()).Name).toBe(`/foreign-${run}`);
    await foreign.remove({ force: true });
    expect(await docker.removeNetwork(`nimbus-${run}`)).toBe(true);
    expect(await docker.removeNetwork(`nimbus-${run}`)).toBe(false);
  });
});
