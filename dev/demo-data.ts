/**
 * Demo data shared by the local issuer and the local database, so that `npm run dev` and the browser
 * tests start with working machine credentials: a client-credentials request to the local issuer with
 * one of these (or the demo API key), then a call to /api/v1, works out of the box. Their scopes follow
 * the catalog: the reader holds those of the GET operations, the writer every one. Local only; never
 * secrets.
 */
import { LOCAL } from "../lib/config/local-defaults";
import { catalog } from "../product/operations";
import { DEMO_USERS, scopesOf } from "./demo-tenant";

/** A machine client owned by a demo user's customer. */
export interface DemoMachineClient {
  clientId: string;
  clientSecret: string;
  name: string;
  /** Email of the demo user whose customer owns the client. */
  ownerEmail: string;
  scopes: readonly string[];
}

export const DEMO_MACHINE_CLIENTS: readonly DemoMachineClient[] = [
  {
    clientId: "demo-reader",
    clientSecret: "demo-reader-secret",
    name: "Demo reader",
    ownerEmail: "alice@example.com",
    scopes: scopesOf((method) => method === "GET"),
  },
  {
    clientId: "demo-writer",
    clientSecret: "demo-writer-secret",
    name: "Demo writer",
    ownerEmail: "alice@example.com",
    scopes: catalog.scopes,
  },
];

/** An API key of a demo user's customer, seeded as a key made on the dashboard is stored: by hash. */
export interface DemoApiKey {
  key: string;
  name: string;
  /** Email of the demo user whose customer owns the key. */
  ownerEmail: string;
  scopes: readonly string[];
}

/**
 * Alice's demo key: public, so it is seeded only with the local issuer, and a test key, which a live
 * deployment refuses by its shape. `tg_test_` and 43 base62 characters, like every key. Its scopes are
 * the reader's, which Free grants, as the dashboard would allow.
 */
export const DEMO_API_KEY: DemoApiKey = {
  key: "tg_test_LocalDemoKeyForAliceOnlyNpmRunDevNotSecret0",
  name: "Demo key",
  ownerEmail: "alice@example.com",
  scopes: scopesOf((method) => method === "GET"),
};

/** The demo machine clients as the local issuer seeds them (with their grant for the API). */
export function issuerSeedClients(audience: string = LOCAL.audience) {
  return DEMO_MACHINE_CLIENTS.map((client) => ({
    client_id: client.clientId,
    client_secret: client.clientSecret,
    name: client.name,
    app_type: "non_interactive" as const,
    grant_types: ["client_credentials"],
    grants: [{ audience, scope: [...client.scopes] }],
  }));
}

/**
 * Demo people, for seeding users and their customers: those with a verified email only, as the
 * dashboard opens an account for no one else.
 */
export const DEMO_PEOPLE = DEMO_USERS.filter((user) => user.email_verified).map((user) => ({
  auth0UserId: user.user_id,
  email: user.email,
  name: user.name,
}));
