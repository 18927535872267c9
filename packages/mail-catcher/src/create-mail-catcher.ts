import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { matchRoute, route, sendHtml, sendJson } from "@tollgate/local-http";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { renderMessagePage, renderMessagesPage } from "./pages";

/** A message as the catcher received it. */
export interface CaughtMessage {
  /** 1, 2, 3... in the order received. */
  id: number;
  receivedAt: string;
  /** The envelope's sender and recipients (MAIL FROM, RCPT TO). */
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  /** Every header, names lower-cased; a header given twice keeps its last value. */
  headers: Record<string, string>;
}

export interface MailCatcherOptions {
  /** SMTP port; 0 (default): one the OS picks. */
  smtpPort?: number;
  /** Port of the page and JSON list; 0 (default): one the OS picks. */
  httpPort?: number;
  /** Messages kept (oldest dropped first); default 500. */
  limit?: number;
  /** Recipients to refuse with 550, as a relay refuses an unknown mailbox (tests of failed sends). */
  refuseRecipient?: (address: string) => boolean;
}

export interface MailCatcher {
  /** Where to send: `smtp://localhost:<port>`. */
  smtpUrl: string;
  /** The page listing received mail: `http://localhost:<port>`. */
  url: string;
  /** Received messages, newest first. */
  messages(): CaughtMessage[];
  /** Resolves with the first message received (now or later) that `match` accepts. */
  waitFor(match: (message: CaughtMessage) => boolean, timeoutMs?: number): Promise<CaughtMessage>;
  clear(): void;
  close(): Promise<void>;
}

const MESSAGE_BYTES = 2 * 1024 * 1024;

/**
 * A local SMTP server (smtp-server, mailparser) that accepts every message, keeps it in memory and
 * lists it on a web page (`/`, newest first, each with its body) and as JSON (`GET /messages`), so the
 * app's emails can be read offline and by tests. Loopback only; any credentials are accepted, and no
 * TLS is offered, as a mail catcher for development needs none.
 *
 * @example const catcher = await createMailCatcher(); // catcher.smtpUrl, catcher.url
 */
export async function createMailCatcher(options: MailCatcherOptions = {}): Promise<MailCatcher> {
  const limit = options.limit ?? 500;
  const received: CaughtMessage[] = [];
  const waiters = new Set<(message: CaughtMessage) => void>();
  let nextId = 1;

  const smtp = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    size: MESSAGE_BYTES,
    logger: false,
    onAuth(_auth, _session, callback) {
      callback(null, { user: "local" });
    },
    onRcptTo(address, _session, callback) {
      if (options.refuseRecipient?.(address.address)) {
        callback(Object.assign(new Error(`mailbox <${address.address}> unavailable`), { responseCode: 550 }));
      } else callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          if (stream.sizeExceeded) {
            callback(Object.assign(new Error("message too large"), { responseCode: 552 }));
            return;
          }
          const headers: Record<string, string> = {};
          for (const line of parsed.headerLines) {
            headers[line.key] = line.line.slice(line.line.indexOf(":") + 1).trim();
          }
          const message: CaughtMessage = {
            id: nextId++,
            receivedAt: new Date().toISOString(),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((recipient) => recipient.address),
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : null,
            headers,
          };
          received.push(message);
          if (received.length > limit) received.shift();
          for (const notify of waiters) notify(message);
          callback();
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
    },
  });

  const byId = (id: string) => received.find((message) => String(message.id) === id);
  const newestFirst = () => [...received].reverse();
  type Handler = (res: ServerResponse, path: Record<string, string>) => void;
  // `/messages/:id.json` before `/messages/:id`: the first match wins, and ":id" would take "3.json".
  const routes = [
    route<Handler>("GET", "/", (res) => sendHtml(res, 200, renderMessagesPage(newestFirst()))),
    route<Handler>("GET", "/messages", (res) => sendJson(res, 200, { messages: newestFirst() })),
    route<Handler>("DELETE", "/messages", (res) => {
      received.length = 0;
      sendJson(res, 204, undefined);
    }),
    route<Handler>("GET", "/messages/:id.json", (res, path) => {
      const message = byId(path.id ?? "");
      sendJson(res, message ? 200 : 404, message ?? { error: "no such message" });
    }),
    route<Handler>("GET", "/messages/:id", (res, path) => {
      const message = byId(path.id ?? "");
      if (message) sendHtml(res, 200, renderMessagePage(message));
      else sendJson(res, 404, { error: "no such message" });
    }),
    // The message's own HTML, as a mail client would show it: sendHtml's policy runs no script in it.
    route<Handler>("GET", "/messages/:id/html", (res, path) => {
      const message = byId(path.id ?? "");
      if (message?.html) sendHtml(res, 200, message.html);
      else sendJson(res, 404, { error: "no HTML part" });
    }),
  ];
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    const match = matchRoute(routes, req.method ?? "GET", pathname);
    if (!match) return sendJson(res, 404, { error: "not found" });
    match.route.handler(res, match.path);
  });

  // smtp-server re-emits its socket's and every connection's errors: unheard, an EventEmitter's
  // "error" would crash the process. While listening they are rejections; after, a client's problem.
  let listenFailed: ((error: Error) => void) | undefined;
  smtp.on("error", (error) => listenFailed?.(error));
  await new Promise<void>((resolve, reject) => {
    listenFailed = reject;
    smtp.listen(options.smtpPort ?? 0, "127.0.0.1", () => {
      listenFailed = undefined;
      resolve();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(options.httpPort ?? 0, "127.0.0.1", () => resolve());
    });
  } catch (error) {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    throw error;
  }
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const httpPort = (http.address() as AddressInfo).port;

  return {
    smtpUrl: `smtp://localhost:${smtpPort}`,
    url: `http://localhost:${httpPort}`,
    messages: newestFirst,
    waitFor(match, timeoutMs = 10_000) {
      const found = received.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(notify);
          reject(new Error(`no matching message within ${timeoutMs} ms`));
        }, timeoutMs);
        const notify = (message: CaughtMessage) => {
          if (!match(message)) return;
          clearTimeout(timer);
          waiters.delete(notify);
          resolve(message);
        };
        waiters.add(notify);
      });
    },
    clear() {
      received.length = 0;
    },
    async close() {
      http.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => http.close(() => resolve())),
        new Promise<void>((resolve) => smtp.close(() => resolve())),
      ]);
    },
  };
}
