import { type Readable, Writable } from 'node:stream';
import { NimbusError } from '@nimbus/model';
import Docker from 'dockerode';
import { pack } from 'tar-fs';

export interface BuildOptions {
  /** Directory sent as the build context. */
  context: string;
  tag: string;
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  target?: string;
  /** Build every step afresh, ignoring the layer cache. */
  noCache?: boolean;
  /** Each line of build output, as the engine streams it. */
  onLog?: (line: string) => void;
}

export interface RunOptions {
  image: string;
  name: string;
  /** `{"8080/tcp": 8080}`: container port → host port, published on 127.0.0.1; 0 lets the engine pick a free one. */
  ports?: Record<string, number>;
  /** Names other containers on the network reach this one by. */
  networkAliases?: string[];
  environment?: Record<string, string>;
  /** `{hostPath: {bind: "/data", mode: "ro"}}`. */
  volumes?: Record<string, { bind: string; mode?: 'ro' | 'rw' }>;
  network?: string;
  command?: string[];
  user?: string;
  /** Default `unless-stopped`, as the seed's. */
  restartPolicy?: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  labels?: Record<string, string>;
  /** Restrictions matching a hardened pod's security context and limits. */
  hardening?: Hardening;
}

export interface Hardening {
  readOnlyRootFilesystem?: boolean;
  /** Writable in-memory mounts (path → mount options), e.g. /tmp under a read-only root. */
  tmpfs?: Record<string, string>;
  dropAllCapabilities?: boolean;
  noNewPrivileges?: boolean;
  memoryBytes?: number;
  nanoCpus?: number;
}

function hostConfigOf(h: Hardening | undefined): Record<string, unknown> {
  if (!h) return {};
  return {
    ReadonlyRootfs: h.readOnlyRootFilesystem ?? false,
    ...(h.tmpfs && Object.keys(h.tmpfs).length ? { Tmpfs: h.tmpfs } : {}),
    ...(h.dropAllCapabilities ? { CapDrop: ['ALL'] } : {}),
    ...(h.noNewPrivileges ? { SecurityOpt: ['no-new-privileges'] } : {}),
    ...(h.memoryBytes ? { Memory: h.memoryBytes } : {}),
    ...(h.nanoCpus ? { NanoCpus: h.nanoCpus } : {}),
  };
}

interface StreamEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** Label on everything Nimbus creates, so clean-up never touches anything else. */
export const MANAGED_LABEL = 'dev.nimbus.managed';

function wrap(err: unknown, what: string): NimbusError {
  const e = err as { statusCode?: number; json?: { message?: string }; message?: string; code?: string };
  if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') {
    return new NimbusError('NIMBUS_DOCKER_UNREACHABLE', `${what}: the Docker engine is not reachable (${e.code})`, { cause: err });
  }
  return new NimbusError('NIMBUS_DOCKER', `${what}: ${e.json?.message ?? e.message ?? String(err)}`.trim(), { cause: err });
}

/**
 * The seed's Docker operations, done right: builds stream their log and fail
 * on the engine's error (the API call itself succeeds even when a build
 * fails), networks are created idempotently, clean-up removes stopped
 * containers too, and failures are typed errors rather than printed messages.
 */
export class DockerManager {
  readonly docker: Docker;

  constructor(options: { host?: string } = {}) {
    const host = options.host ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
    this.docker = host.startsWith('unix://')
      ? new Docker({ socketPath: host.slice('unix://'.length) })
      : new Docker({ host: new URL(host).hostname, port: Number(new URL(host).port) });
  }

  /** Builds an image; resolves with its id, rejects with the engine's error text. */
  async buildImage(options: BuildOptions): Promise<string> {
    let stream: Readable;
    try {
      stream = (await this.docker.buildImage(pack(options.context) as unknown as NodeJS.ReadableStream, {
        t: options.tag,
        dockerfile: options.dockerfile ?? 'Dockerfile',
        buildargs: options.buildArgs ?? {},
        target: options.target,
        nocache: options.noCache ?? false,
        labels: { [MANAGED_LABEL]: 'true' },
        rm: true,
        forcerm: true,
      })) as unknown as Readable;
    } catch (err) {
      throw wrap(err, `build ${options.tag}`);
    }
    let imageId = '';
    const failure = await this.progress(stream, `build ${options.tag}`, (event) => {
      for (const line of (event.stream ?? event.status ?? '').split('\n')) if (line.trim()) options.onLog?.(line);
      if (event.aux?.ID) imageId = event.aux.ID;
    });
    if (failure) throw new NimbusError('NIMBUS_DOCKER_BUILD', `build of ${options.tag} failed: ${failure}`);
    return imageId || ((await this.docker.getImage(options.tag).inspect()) as { Id: string }).Id;
  }

  /**
   * Reads a progress stream to its end, handing each event on; resolves with the
   * error the engine reported inside the stream, if any (the API call itself
   * succeeds even when the build or push fails).
   */
  private async progress(
    stream: Readable,
    what: string,
    onEvent: (event: StreamEvent) => void = () => undefined,
  ): Promise<string | undefined> {
    let failure: string | undefined;
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (err) => (err ? reject(wrap(err, what)) : resolve()),
        (event: StreamEvent) => {
          onEvent(event);
          if (event.error || event.errorDetail) failure = event.errorDetail?.message ?? event.error;
        },
      );
    });
    return failure;
  }

  /** Follows a progress stream, failing on an error reported inside it. */
  private async follow(stream: Readable, what: string): Promise<void> {
    const failure = await this.progress(stream, what);
    if (failure) throw new NimbusError('NIMBUS_DOCKER', `${what}: ${failure}`);
  }

  /** Tags an image for a registry and pushes it; returns the pushed reference. */
  async pushImage(image: string, registry: string, repository: string, tag: string): Promise<string> {
    const ref = `${registry}/${repository}:${tag}`;
    try {
      await this.docker.getImage(image).tag({ repo: `${registry}/${repository}`, tag });
      const stream = (await this.docker.getImage(ref).push({ authconfig: {} })) as unknown as Readable;
      await this.follow(stream, `push ${ref}`);
      return ref;
    } catch (err) {
      throw err instanceof NimbusError ? err : wrap(err, `push ${ref}`);
    }
  }

  /** The host port the engine published a container port on. */
  async publishedPort(container: Docker.Container, port: string): Promise<number | undefined> {
    const info = (await container.inspect()) as { NetworkSettings: { Ports: Record<string, { HostPort: string }[] | null> } };
    const binding = info.NetworkSettings.Ports[port]?.[0];
    return binding ? Number(binding.HostPort) : undefined;
  }

  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(ref).inspect();
      return true;
    } catch {
      return false;
    }
  }

  /** Pushes an image already tagged with its registry. */
  async push(ref: string): Promise<void> {
    let stream: Readable;
    try {
      stream = (await this.docker.getImage(ref).push({ authconfig: {} })) as unknown as Readable;
    } catch (err) {
      throw wrap(err, `push ${ref}`);
    }
    await this.follow(stream, `push ${ref}`);
  }

  async pullImage(ref: string): Promise<void> {
    let stream: Readable;
    try {
      stream = (await this.docker.pull(ref)) as unknown as Readable;
    } catch (err) {
      throw wrap(err, `pull ${ref}`);
    }
    await this.follow(stream, `pull ${ref}`);
  }

  /** Creates and starts a detached container; an existing one of that name is replaced. */
  async runContainer(options: RunOptions): Promise<Docker.Container> {
    const ports = options.ports ?? {};
    try {
      await this.docker
        .getContainer(options.name)
        .remove({ force: true })
        .catch(() => undefined);
      const container = await this.docker.createContainer({
        name: options.name,
        Image: options.image,
        Cmd: options.command,
        User: options.user,
        Env: Object.entries(options.environment ?? {}).map(([k, v]) => `${k}=${v}`),
        Labels: { ...options.labels, [MANAGED_LABEL]: 'true' },
        ExposedPorts: Object.fromEntries(Object.keys(ports).map((p) => [p, {}])),
        HostConfig: {
          PortBindings: Object.fromEntries(
            Object.entries(ports).map(([p, host]) => [p, [{ HostIp: '127.0.0.1', HostPort: String(host) }]]),
          ),
          Binds: Object.entries(options.volumes ?? {}).map(([host, v]) => `${host}:${v.bind}:${v.mode ?? 'rw'}`),
          NetworkMode: options.network,
          RestartPolicy: { Name: options.restartPolicy ?? 'unless-stopped' },
          ...hostConfigOf(options.hardening),
        },
        ...(options.network && options.networkAliases?.length
          ? { NetworkingConfig: { EndpointsConfig: { [options.network]: { Aliases: options.networkAliases } } } }
          : {}),
      });
      await container.start();
      return container;
    } catch (err) {
      throw wrap(err, `run ${options.name}`);
    }
  }

  /**
   * Streams a container's output line by line until it stops or `signal`
   * aborts; `tail` lines of history first.
   */
  async followLogs(
    name: string,
    onLine: (line: string, stream: 'stdout' | 'stderr') => void,
    options: { tail?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    let stream: Readable;
    try {
      stream = (await this.docker
        .getContainer(name)
        .logs({ follow: true, stdout: true, stderr: true, tail: options.tail ?? 100 })) as unknown as Readable;
    } catch (err) {
      throw wrap(err, `logs of ${name}`);
    }
    const splitter = (kind: 'stdout' | 'stderr') => {
      let rest = '';
      return new Writable({
        write(chunk: Buffer, _encoding, done) {
          const lines = (rest + chunk.toString('utf8')).split('\n');
          rest = lines.pop() ?? '';
          for (const l of lines) onLine(l.replace(/\r$/, ''), kind);
          done();
        },
        final(done) {
          if (rest) onLine(rest, kind);
          done();
        },
      });
    };
    const out = splitter('stdout');
    const err = splitter('stderr');
    this.docker.modem.demuxStream(stream, out, err);
    await new Promise<void>((resolve) => {
      const finish = () => {
        out.end();
        err.end();
        resolve();
      };
      stream.once('end', finish);
      stream.once('close', finish);
      stream.once('error', finish);
      options.signal?.addEventListener('abort', () => (stream as Readable & { destroy(): void }).destroy(), { once: true });
    });
  }

  /** Creates a network, or returns the one of that name that exists. */
  async createNetwork(name: string, driver = 'bridge'): Promise<string> {
    try {
      const existing = (await this.docker.listNetworks({ filters: { name: [name] } })).find((n) => n.Name === name);
      if (existing) return existing.Id;
      const network = await this.docker.createNetwork({ Name: name, Driver: driver, Labels: { [MANAGED_LABEL]: 'true' } });
      return network.id;
    } catch (err) {
      throw wrap(err, `create network ${name}`);
    }
  }

  async removeNetwork(name: string): Promise<boolean> {
    try {
      await this.docker.getNetwork(name).remove();
      return true;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return false;
      throw wrap(err, `remove network ${name}`);
    }
  }

  /**
   * Force-removes the containers matching the filters, stopped ones included,
   * and only containers Nimbus created. Returns the names removed.
   */
  async cleanupContainers(filters: Record<string, string[]> = {}): Promise<string[]> {
    try {
      const label = [...(filters.label ?? []), `${MANAGED_LABEL}=true`];
      const list = await this.docker.listContainers({ all: true, filters: { ...filters, label } });
      await Promise.all(list.map((c) => this.docker.getContainer(c.Id).remove({ force: true, v: true })));
      return list.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, '')).sort();
    } catch (err) {
      throw wrap(err, 'clean up containers');
    }
  }
}
