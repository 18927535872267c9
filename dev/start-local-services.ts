/**
 * Starts, in this process, the local services standing in for every third-party service the
 * configuration leaves unset (DESIGN.md, local mode). Used by `npm run dev` and the browser tests.
 */
import { LOCAL } from "../lib/config/local-defaults";
import type { Config } from "../lib/config/schema";
import { issuerSeedClients } from "./demo-data";
import { LOCAL_ISSUER } from "./issuer/constants";
import { createLocalIssuer } from "./issuer/create-local-issuer";

export interface LocalServices {
  /** What was started, for the console. */
  started: string[];
  close(): Promise<void>;
}

/** Starts the local issuer when Auth0 is not configured. */
export async function startLocalServices(
  config: Config,
  options: { stateFile?: string | null } = {},
): Promise<LocalServices> {
  const closers: Array<() => Promise<void>> = [];
  const started: string[] = [];
  if (config.auth.mode === "local") {
    const issuer = await createLocalIssuer({
      port: LOCAL.issuerPort,
      issuerUrl: LOCAL.issuerUrl,
      audience: config.gate.audience,
      appBaseUrl: config.auth.appBaseUrl,
      clients: issuerSeedClients(config.gate.audience),
      stateFile: options.stateFile === null ? undefined : (options.stateFile ?? LOCAL_ISSUER.stateFile),
    });
    closers.push(() => issuer.close());
    started.push(`Auth0-compatible issuer on ${issuer.url}`);
  }
  return {
    started,
    close: async () => {
      await Promise.all(closers.map((close) => close()));
    },
  };
}
