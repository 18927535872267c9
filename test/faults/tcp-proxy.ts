import { connect, createServer, type Server, type Socket } from "node:net";

// Test support: a TCP proxy on loopback between the app and a real server (PostgreSQL, the Stripe
// sandbox) that can make the network fail the way networks do, while both ends stay real.

/** How the proxy treats connections: pass them on, reset them at once, or refuse them (nothing listens). */
export type ProxyMode = "up" | "reset" | "refuse";

/** What to do with the next statement sent through the proxy that contains a given text. */
export type StatementCut =
  /** Let the server run it, then drop the connection before the answer reaches the client. */
  | "lose-answer"
  /** Drop the connection before the statement reaches the server. */
  | "drop-statement";

export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  /** Connections accepted so far (while up or resetting). */
  readonly connections: number;
  /** Statements cut so far. */
  readonly cuts: number;
  /** Changes the mode; "refuse" closes the listener and drops open connections, "up" listens again. */
  setMode(mode: ProxyMode): Promise<void>;
  /** Arms a cut of the next statement whose bytes contain `containing` (e.g. a table name). */
  cutNextStatement(how: StatementCut, containing: string): void;
  close(): Promise<void>;
}

// PostgreSQL's ReadyForQuery message ('Z', int32 length 5): the server has finished a statement (and,
// outside a transaction block, committed it).
const READY_FOR_QUERY = Buffer.from([0x5a, 0, 0, 0, 5]);

/** Starts a proxy to `target` on a free port of 127.0.0.1. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = "up";
  let connections = 0;
  let cuts = 0;
  let armed: { how: StatementCut; containing: Buffer } | null = null;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };

  const onConnection = (client: Socket) => {
    connections += 1;
    track(client);
    if (mode === "reset") {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.pause();
    upstream.on("connect", () => client.resume());
    upstream.on("close", () => client.destroy());
    client.on("close", () => upstream.destroy());
    // After a "lose-answer" cut, the server's answer is swallowed and the connection dropped at its end.
    let losingAnswer = false;
    upstream.on("data", (chunk: Buffer) => {
      if (!losingAnswer) {
        client.write(chunk);
      } else if (chunk.includes(READY_FOR_QUERY)) {
        client.destroy();
        upstream.destroy();
      }
    });
    client.on("data", (chunk: Buffer) => {
      if (armed && chunk.includes(armed.containing)) {
        const { how } = armed;
        armed = null;
        cuts += 1;
        if (how === "drop-statement") {
          client.destroy();
          upstream.destroy();
          return;
        }
        losingAnswer = true;
      }
      upstream.write(chunk);
    });
  };

  let server: Server = createServer(onConnection);
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const address = server.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  const port = await listen(0);

  return {
    port,
    get connections() {
      return connections;
    },
    get cuts() {
      return cuts;
    },
    async setMode(next) {
      if (next === mode) return;
      if (next === "refuse") {
        mode = next;
        await stopListening();
        return;
      }
      if (mode === "refuse") {
        server = createServer(onConnection);
        await listen(port);
      }
      mode = next;
    },
    cutNextStatement(how, containing) {
      armed = { how, containing: Buffer.from(containing) };
    },
    async close() {
      if (mode !== "refuse") await stopListening();
    },
  };
}
