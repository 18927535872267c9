/**
 * `tsx dev/issuer/main.ts`: the local Auth0-compatible issuer at TOLLGATE_LOCAL_ISSUER_URL (default
 * http://localhost:4010/), keeping created clients, grants, user metadata and keys in .data/issuer/
 * across restarts.
 * Pass `--fresh` to start from an empty state.
 */
import { rmSync } from "node:fs";
import { LOCAL } from "../../lib/config/local-defaults";
import { loadConfig } from "../../lib/config/schema";
import { issuerSeedClients } from "../demo-data";
import { LOCAL_ISSUER } from "./constants";
import { createLocalIssuer } from "./create-local-issuer";

if (process.argv.includes("--fresh")) rmSync(LOCAL_ISSUER.stateFile, { force: true });

const config = loadConfig(process.env);
const issuer = await createLocalIssuer({
  port: Number(new URL(config.local.issuerUrl).port),
  issuerUrl: config.local.issuerUrl,
  audience: LOCAL.audience,
  appBaseUrl: config.auth.appBaseUrl,
  stateFile: LOCAL_ISSUER.stateFile,
  clients: issuerSeedClients(LOCAL.audience),
});

console.log(`[issuer] ${issuer.url} (audience ${issuer.audience})`);
console.log(`[issuer] discovery ${issuer.url}.well-known/openid-configuration`);
console.log(`[issuer] management client ${LOCAL_ISSUER.managementClientId} for ${issuer.managementAudience}`);

const stop = async () => {
  await issuer.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
