import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** A route handler served over HTTP on 127.0.0.1. */
export interface RouteServer {
  /** The URL it answers on, with the route's path. */
  url: string;
  close(): Promise<void>;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Serves one route handler (`POST` of a route.ts) over real HTTP, so a local service that delivers
 * to a URL (the Stripe sandbox's webhooks or event destination) reaches it as it reaches the app.
 */
export async function serveRoute(
  path: string,
  handler: (request: Request) => Promise<Response>,
): Promise<RouteServer> {
  const server = createServer((req, res) => {
    void (async () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string") headers.set(name, value);
      }
      const method = req.method ?? "GET";
      const body = method === "GET" || method === "HEAD" ? undefined : new Uint8Array(await readAll(req));
      const response = await handler(
        new Request(`http://localhost${req.url ?? path}`, { method, headers, body }),
      );
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    })().catch((error: unknown) => {
      res.writeHead(500);
      res.end(error instanceof Error ? error.message : String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
