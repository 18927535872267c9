import type { PortChoice } from "@/dev/start-local-services";
import { LOCAL } from "@/lib/config/local-defaults";

/** The port `npm run dev` serves the app on when neither `-p` nor PORT says otherwise. */
export const DEFAULT_APP_PORT = Number(new URL(LOCAL.appBaseUrl).port);

/** What `npm run dev` was asked for on its command line and in PORT. */
export interface DevOptions {
  /** The app's port: `-p`/`--port`, else PORT, else 3000, as `next dev` itself chooses. */
  port: number;
  /** Keep the local services' state in memory only (tests). */
  ephemeral: boolean;
  /** Skip `prisma generate`: the client is current (tests, which run beside others that import it). */
  skipGenerate: boolean;
  /** The other arguments, passed on to `next dev`. */
  nextArgs: string[];
}

/**
 * Reads `npm run dev`'s arguments (`npm run dev -- -p 3100`) and PORT.
 *
 * @throws {Error} when the port is not a number from 1 to 65535.
 */
export function parseDevOptions(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): DevOptions {
  let portArgument: string | undefined;
  let ephemeral = false;
  let skipGenerate = false;
  const nextArgs: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? "";
    if (arg === "-p" || arg === "--port") {
      portArgument = argv[index + 1] ?? "";
      index += 1;
    } else if (arg.startsWith("--port=")) portArgument = arg.slice("--port=".length);
    else if (arg === "--ephemeral") ephemeral = true;
    else if (arg === "--skip-generate") skipGenerate = true;
    else nextArgs.push(arg);
  }
  const value = portArgument ?? (env.PORT || String(DEFAULT_APP_PORT));
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65_535) {
    throw new Error(`npm run dev: the port must be a number from 1 to 65535, not "${value}"`);
  }
  return { port, ephemeral, skipGenerate, nextArgs };
}

/**
 * Where `npm run dev` puts each local service: at TOLLGATE_LOCAL_ISSUER_URL / _STRIPE_URL / _SMTP_URL
 * when set; beside an app on the default port, on the usual 4010, 4020 and 4025 unless they are taken; beside an app
 * on any other port, on free ports, so that another checkout (or `npm test`) never collides with it.
 */
export function localServicePorts(
  appPort: number,
  env: Record<string, string | undefined>,
): { issuer: PortChoice; stripe: PortChoice; mail: PortChoice } {
  const choose = (configured: string | undefined): PortChoice =>
    configured ? "configured" : appPort === DEFAULT_APP_PORT ? "configured-or-free" : "free";
  return {
    issuer: choose(env.TOLLGATE_LOCAL_ISSUER_URL),
    stripe: choose(env.TOLLGATE_LOCAL_STRIPE_URL),
    mail: choose(env.TOLLGATE_LOCAL_SMTP_URL),
  };
}
