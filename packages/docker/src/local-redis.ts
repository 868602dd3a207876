import { NimbusError } from '@nimbus/model';
import { Redis } from 'ioredis';

/**
 * The arguments that make a lone redis-server a one-node Redis Cluster which
 * announces itself by `hostname`, its network alias: services use a cluster
 * client in production, and the same client must work locally.
 */
export function singleNodeClusterArgs(hostname: string): string[] {
  return [
    'redis-server',
    '--port',
    '6379',
    '--protected-mode',
    'no',
    '--save',
    '',
    '--appendonly',
    'no',
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-announce-hostname',
    hostname,
    '--cluster-preferred-endpoint-type',
    'hostname',
  ];
}

/** Gives a one-node cluster on 127.0.0.1:port every slot once it answers, then waits for `cluster_state:ok`. */
export async function assignAllSlots(port: number, deadline: number): Promise<void> {
  let assigned = false;
  let last: unknown;
  while (Date.now() < deadline) {
    // A fresh connection per attempt: a port proxy may accept and hang up before Redis listens.
    const redis = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 1000,
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      if (!assigned) {
        await redis.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383').catch((err: Error) => {
          // Assigned by an earlier start of the same container.
          if (!/already busy/i.test(err.message)) throw err;
        });
        assigned = true;
      }
      if (String(await redis.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) return;
    } catch (err) {
      last = err;
    } finally {
      redis.disconnect();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new NimbusError(
    'NIMBUS_DOCKER',
    `local redis cluster on port ${port} did not become ready${last ? `: ${(last as Error).message}` : ''}`,
  );
}
