import { connect } from 'node:net';

/** One RESP command to a Redis on this machine; the reply as text (errors rejected). */
export function redisCommand(port: number, args: string[], timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`redis on port ${port} did not answer in ${timeoutMs} ms`)));
    socket.on('connect', () => {
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      const complete = reply.startsWith('$') ? isCompleteBulk(reply) : reply.endsWith('\r\n');
      if (!complete) return;
      socket.end();
      if (reply.startsWith('-')) reject(new Error(reply.slice(1).trim()));
      else resolve(reply.startsWith('$') ? reply.slice(reply.indexOf('\r\n') + 2, -2) : reply.slice(1).trim());
    });
    socket.on('error', reject);
    // A port proxy may accept and then hang up before Redis listens: that is a failed attempt, not a wait.
    socket.on('close', () => reject(new Error(`redis on port ${port} closed the connection`)));
  });
}

function isCompleteBulk(reply: string): boolean {
  const eol = reply.indexOf('\r\n');
  if (eol < 0) return false;
  const length = Number(reply.slice(1, eol));
  return length < 0 || Buffer.byteLength(reply) >= eol + 2 + length + 2;
}

/**
 * The flags that make a lone redis-server a one-node Redis Cluster which
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

/** Gives the node every slot once it answers, then waits for `cluster_state:ok`. */
export async function assignAllSlots(port: number, deadline: number): Promise<void> {
  let assigned = false;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (!assigned) {
        await redisCommand(port, ['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']);
        assigned = true;
      }
      if ((await redisCommand(port, ['CLUSTER', 'INFO'])).includes('cluster_state:ok')) return;
    } catch (err) {
      // Not listening yet, or the slots were already assigned by an earlier start.
      if (/already busy/i.test((err as Error).message)) assigned = true;
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`local redis cluster on port ${port} did not become ready${last ? `: ${(last as Error).message}` : ''}`);
}
