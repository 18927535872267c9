/**
 * Several `next start` instances of the production build on one database (and Redis), behind a
 * round-robin load balancer, with the local issuer and Stripe sandbox in this process: production on
 * Vercel in miniature, on one machine. Run `next build` first. Used by the multi-instance tests
 * (test/cluster/*.cluster.test.ts, after the build in `npm test`) and `npm run bench -- scale`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, rmSync } from "node:fs";
import { Agent, createServer, request as httpRequest, type Server } from "node:http";
import { localProductionSecrets } from "@/dev/production-secrets";
import { startLocalServices, type LocalServices } from "@/dev/start-local-services";
import { loadConfig } from "@/lib/config/schema";
import { listeningPid } from "@/bench/lib/process-memory";
import { waitForHealth } from "@/scripts/lib/system";

export interface ClusterOptions {
  instances: number;
  /** The balancer's port; instances listen on the ports after it. */
  port?: number;
  /** A PostgreSQL database URL; unset: embedded PGlite, one instance only (it owns its files). */
  databaseUrl?: string;
  /**
   * The same database through a transaction pooler, for the instances, as production connects
   * (`databaseUrl` is then DATABASE_URL_UNPOOLED, for migrations).
   */
  pooledDatabaseUrl?: string;
  redisUrl?: string;
  /** More variables for the instances (undefined removes one). */
  env?: Record<string, string | undefined>;
  /** Runs once the database is migrated and seeded, before any instance starts. */
  prepare?: (env: NodeJS.ProcessEnv) => Promise<void>;
  /** Each instance's output goes to `<logDir>/instance-<port>.log`. */
  logDir?: string;
}

export interface ClusterInstance {
  port: number;
  url: string;
  /** Taking requests from the balancer (false once killed). */
  readonly alive: boolean;
  /** Kills the instance with a signal, as a crash or a scale-down would; the balancer drops it. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface Cluster {
  /** The balancer: what clients call, and where Stripe's webhooks are sent. */
  url: string;
  instances: ClusterInstance[];
  /** The instances' environment, for a test process that must share their database and Redis. */
  env: NodeJS.ProcessEnv;
  services: LocalServices;
  /**
   * Requests the balancer passed on, and those whose answer was lost because the instance went away:
   * answered 502, or cut mid-body.
   */
  readonly balanced: { forwarded: number; failed: number };
  /** Balances over the first `count` instances only (all by default), e.g. to measure one against three. */
  balanceOver(count: number): void;
  close(): Promise<void>;
}

/** Starts the local services, prepares the database and starts the instances behind a balancer. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const port = options.port ?? 3300;
  const url = `http://127.0.0.1:${port}`;
  if (!options.databaseUrl && options.instances > 1)
    throw new Error("several instances need a PostgreSQL database: PGlite belongs to one process");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    TOLLGATE_ALLOW_LOCAL_IN_PRODUCTION: "1",
    ...localProductionSecrets(),
    APP_BASE_URL: url,
    LOG_LEVEL: "info",
    DATABASE_URL: options.pooledDatabaseUrl ?? options.databaseUrl,
    DATABASE_URL_UNPOOLED: options.pooledDatabaseUrl ? options.databaseUrl : undefined,
    REDIS_URL: options.redisUrl,
    ...options.env,
  };
  if (!options.databaseUrl) {
    env.PGLITE_DATA_DIR = ".data/cluster";
    rmSync(env.PGLITE_DATA_DIR, { recursive: true, force: true });
  }
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];

  // The sandbox sends its webhooks to the balancer: any instance may receive one.
  const services = await startLocalServices(loadConfig(env), { stateFile: null });
  const stopping: Array<() => Promise<void>> = [() => services.close()];
  try {
    const { prepareDatabase } = await import("@/scripts/lib/prepare-database");
    await prepareDatabase(env);
    await options.prepare?.(env);
    const instances = await Promise.all(
      Array.from({ length: options.instances }, (_, index) =>
        startInstance(port + 1 + index, env, options.logDir ?? "test-results/cluster"),
      ),
    );
    stopping.push(() => Promise.all(instances.map((instance) => instance.kill("SIGTERM"))).then(() => {}));
    const balancer = await startBalancer(port, instances);
    stopping.unshift(() => balancer.close());
    return {
      url,
      instances,
      env,
      services,
      balanced: balancer.stats,
      balanceOver: (count) => {
        balancer.targets.count = count;
      },
      async close() {
        for (const stop of stopping) await stop();
      },
    };
  } catch (error) {
    for (const stop of stopping) await stop().catch(() => undefined);
    throw error;
  }
}

async function startInstance(port: number, env: NodeJS.ProcessEnv, logDir: string): Promise<ClusterInstance> {
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(`${logDir}/instance-${port}.log`, { flags: "a" });
  const child: ChildProcess = spawn("node_modules/.bin/next", ["start", "--port", String(port)], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  let alive = true;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await waitForHealth(url, child, { logs: `${logDir}/instance-${port}.log` });
  return {
    port,
    url,
    get alive() {
      return alive;
    },
    async kill(signal = "SIGKILL") {
      if (!alive) return;
      alive = false;
      // The process that listens is the one that serves, whatever the CLI wrapper forked.
      const serving = listeningPid(port);
      if (serving && serving !== child.pid) process.kill(serving, signal);
      child.kill(signal);
      await exited;
    },
  };
}

/**
 * Round robin over the instances still alive, as a platform's router does. A request whose instance
 * dies before answering gets 502, and is never retried elsewhere: a retry could serve a call twice.
 */
async function startBalancer(
  port: number,
  instances: ClusterInstance[],
): Promise<{
  close(): Promise<void>;
  stats: { forwarded: number; failed: number };
  targets: { count: number };
}> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const stats = { forwarded: 0, failed: 0 };
  const targets = { count: instances.length };
  let next = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => forward(Buffer.concat(chunks), true));
    const forward = (body: Buffer, mayRetry: boolean): void => {
      const live = instances.slice(0, targets.count).filter((instance) => instance.alive);
      const target = live[next++ % Math.max(1, live.length)];
      if (!target) {
        res.writeHead(503).end();
        return;
      }
      stats.forwarded += 1;
      // Counted once per call, whether the instance went away before answering or mid-answer.
      let lost = false;
      const loseAnswer = (): void => {
        if (lost) return;
        lost = true;
        stats.failed += 1;
      };
      const upstream = httpRequest(
        {
          host: "127.0.0.1",
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          // An instance killed mid-answer cuts it: Node reports that on the answer ("aborted"), not
          // on the request, so the cut is counted here as well.
          answer.on("close", () => {
            if (!answer.complete) {
              loseAnswer();
              res.destroy();
            }
          });
          answer.on("error", () => res.destroy());
        },
      );
      upstream.on("error", (error: NodeJS.ErrnoException) => {
        // A live instance closing an idle kept-alive connection just as it is reused never saw the
        // request (Node: `reusedSocket`): send it again, once, as proxies do. Never to a killed one.
        if (mayRetry && target.alive && upstream.reusedSocket && error.code === "ECONNRESET") {
          forward(body, false);
          return;
        }
        loseAnswer();
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end("instance went away");
        else res.destroy();
      });
      // A client that goes away mid-answer takes the instance's connection with it: left alone, the
      // half-read answer would hold its socket, and a few hundred such calls use up the pool.
      res.once("close", () => {
        if (!res.writableFinished) upstream.destroy();
      });
      upstream.end(body);
    };
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    stats,
    targets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      }),
  };
}
