import { createServer as createTcpServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeHttp } from '../src/http.js';

/** A server that is not there is reported within seconds, not after the retry policy's 30 s. */
describe('an API server that cannot be reached', () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const s of servers) s.close();
  });
  const listen = (onConnection: (s: import('node:net').Socket) => void) =>
    new Promise<number>((resolve) => {
      const server = createTcpServer(onConnection);
      servers.push(server);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });

  it('refusing connections: fails at once', async () => {
    const port = await listen(() => {});
    servers.pop()?.close();
    const http = new KubeHttp({ server: `http://127.0.0.1:${port}`, contextName: 't', namespace: 'default', insecureSkipTlsVerify: false });
    const t0 = Date.now();
    await expect(http.send({ method: 'GET', path: '/api' })).rejects.toMatchObject({ code: 'NIMBUS_KUBE_UNREACHABLE' });
    expect(Date.now() - t0).toBeLessThan(2000);
    http.close();
  });

  it('accepting but never answering: fails within the first-contact timeout', async () => {
    const held: import('node:net').Socket[] = [];
    const port = await listen((s) => held.push(s));
    const http = new KubeHttp({ server: `http://127.0.0.1:${port}`, contextName: 't', namespace: 'default', insecureSkipTlsVerify: false });
    const t0 = Date.now();
    await expect(http.send({ method: 'GET', path: '/api' })).rejects.toThrow(/no answer/);
    expect(Date.now() - t0).toBeLessThan(5000);
    for (const s of held) s.destroy();
    http.close();
  }, 15_000);
});
