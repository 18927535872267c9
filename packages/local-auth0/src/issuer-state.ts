import { randomBytes, randomInt } from "node:crypto";
import { readStateFile, writeStateFile } from "@tollgate/local-http";
import { z } from "zod";
import type { AdapterPayload } from "oidc-provider";
import {
  RESOURCE_SERVER_DEFAULTS,
  type Auth0Client,
  type Auth0ClientGrant,
  type Auth0Job,
  type Auth0ResourceServer,
  type Auth0User,
  type LocalEmail,
} from "./auth0-records";
import { mergeMetadata } from "./merge-metadata";
import { signingKeyFromJwk, type SigningKey } from "./signing-key";
import type { LocalUser } from "./users";

/** What survives a restart when a state file is configured. */
const persistedSchema = z.object({
  clients: z.array(z.custom<Auth0Client>((value) => typeof value === "object" && value !== null)),
  clientGrants: z.array(z.custom<Auth0ClientGrant>((value) => typeof value === "object" && value !== null)),
  // Absent from state files written before the issuer kept APIs.
  resourceServers: z
    .array(z.custom<Auth0ResourceServer>((value) => typeof value === "object" && value !== null))
    .default([]),
  users: z.record(
    z.string(),
    z.object({
      app_metadata: z.record(z.string(), z.unknown()),
      user_metadata: z.record(z.string(), z.unknown()),
      // Absent from state files written before the issuer verified emails.
      email_verified: z.boolean().optional(),
    }),
  ),
  keys: z.array(z.object({ privateJwk: z.record(z.string(), z.unknown()), created_at: z.string() })),
});

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomAlphanumeric(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

/** The properties of `value` that are not `undefined` (an absent field must not erase a default). */
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}

interface StoredEntry {
  payload: AdapterPayload;
  expiresAt: number | undefined;
}

/**
 * Everything the local issuer knows: Auth0-side records (clients, client grants, users, signing keys)
 * and oidc-provider's own short-lived models (sessions, interactions, codes, grants). It outlives the
 * oidc-provider instance, which is rebuilt when the signing keys rotate.
 */
export class IssuerState {
  readonly clients = new Map<string, Auth0Client>();
  /** Every client secret handed out since start, deleted clients' too: the test run's log scan looks for them. */
  readonly issuedSecrets = new Set<string>();
  readonly clientGrants = new Map<string, Auth0ClientGrant>();
  /** APIs by id; look one up by identifier with `findResourceServer`. */
  readonly resourceServers = new Map<string, Auth0ResourceServer>();
  readonly users = new Map<string, Auth0User>();
  /** Verification email jobs by id. */
  readonly jobs = new Map<string, Auth0Job>();
  /** Emails sent, oldest first; not persisted (a restart empties the mailbox, links die with it). */
  readonly mailbox: LocalEmail[] = [];
  keys: SigningKey[] = [];
  /** oidc-provider models, keyed `${model}:${id}`. */
  readonly models = new Map<string, StoredEntry>();
  /** Cookie signing keys, stable across provider rebuilds so sessions survive a key rotation. */
  readonly cookieKeys = [randomBytes(32).toString("base64url")];
  private readonly seedClientIds = new Set<string>();
  private readonly seedResourceServerIds = new Set<string>();
  /** Saving starts after loading, so seeding at start-up never overwrites the state file. */
  private loaded = false;

  constructor(private readonly stateFile?: string) {}

  /** Loads the state file when there is one; returns whether signing keys came from it. */
  async load(): Promise<boolean> {
    this.loaded = true;
    if (!this.stateFile) return false;
    const data = readStateFile(this.stateFile, persistedSchema, "issuer");
    if (!data) return false;
    for (const server of data.resourceServers) {
      if (!this.findResourceServer(server.identifier)) this.resourceServers.set(server.id, server);
    }
    for (const client of data.clients) {
      if (!this.seedClientIds.has(client.client_id)) this.clients.set(client.client_id, client);
    }
    for (const grant of data.clientGrants) {
      if (this.clients.has(grant.client_id) && !this.findClientGrant(grant.client_id, grant.audience)) {
        this.clientGrants.set(grant.id, grant);
      }
    }
    for (const [userId, { email_verified, ...metadata }] of Object.entries(data.users)) {
      const user = this.users.get(userId);
      if (user) Object.assign(user, metadata, email_verified === undefined ? {} : { email_verified });
    }
    this.keys = await Promise.all(data.keys.map((key) => signingKeyFromJwk(key.privateJwk, key.created_at)));
    return this.keys.length > 0;
  }

  /** Writes the state file (atomically) when there is one. */
  save(): void {
    if (!this.stateFile || !this.loaded) return;
    const data: z.input<typeof persistedSchema> = {
      clients: [...this.clients.values()].filter((client) => !this.seedClientIds.has(client.client_id)),
      // Seeded clients and their grants are recreated from code on every start.
      clientGrants: [...this.clientGrants.values()].filter(
        (grant) => !this.seedClientIds.has(grant.client_id),
      ),
      resourceServers: [...this.resourceServers.values()].filter(
        (server) => !this.seedResourceServerIds.has(server.id),
      ),
      users: Object.fromEntries(
        [...this.users.values()].map((user) => [
          user.user_id,
          {
            app_metadata: user.app_metadata,
            user_metadata: user.user_metadata,
            email_verified: user.email_verified,
          },
        ]),
      ),
      keys: this.keys.map((key) => ({ privateJwk: { ...key.privateJwk }, created_at: key.created_at })),
    };
    writeStateFile(this.stateFile, data);
  }

  // ---- users ----

  addUser(user: LocalUser): void {
    const now = new Date().toISOString();
    const { app_metadata, user_metadata, ...profile } = user;
    this.users.set(user.user_id, {
      ...profile,
      app_metadata: { ...app_metadata },
      user_metadata: { ...user_metadata },
      identities: [
        {
          connection: "Username-Password-Authentication",
          provider: "auth0",
          user_id: user.user_id.slice(user.user_id.indexOf("|") + 1),
          isSocial: false,
        },
      ],
      created_at: now,
      updated_at: now,
      logins_count: 0,
    });
  }

  findUserByEmail(email: string): Auth0User | undefined {
    const wanted = email.trim().toLowerCase();
    return [...this.users.values()].find((user) => user.email.toLowerCase() === wanted);
  }

  recordLogin(userId: string): void {
    const user = this.users.get(userId);
    if (!user) return;
    user.last_login = new Date().toISOString();
    user.logins_count += 1;
  }

  updateUserMetadata(
    userId: string,
    patch: { app_metadata?: Record<string, unknown>; user_metadata?: Record<string, unknown> },
  ): Auth0User | undefined {
    const user = this.users.get(userId);
    if (!user) return undefined;
    if (patch.app_metadata) user.app_metadata = mergeMetadata(user.app_metadata, patch.app_metadata);
    if (patch.user_metadata) user.user_metadata = mergeMetadata(user.user_metadata, patch.user_metadata);
    user.updated_at = new Date().toISOString();
    this.save();
    return user;
  }

  /** Sets whether a user's email is verified (PATCH /api/v2/users/{id} with `email_verified`). */
  setEmailVerified(userId: string, verified: boolean): Auth0User | undefined {
    const user = this.users.get(userId);
    if (!user) return undefined;
    user.email_verified = verified;
    user.updated_at = new Date().toISOString();
    this.save();
    return user;
  }

  // ---- verification emails ----

  /**
   * Queues a verification email job and delivers the email to the local mailbox at once: the job is
   * answered `pending`, as Auth0 answers it, and reads `completed` afterwards.
   */
  sendVerificationEmail(user: Auth0User): Auth0Job {
    const job: Auth0Job = {
      id: `job_${randomAlphanumeric(16)}`,
      type: "verification_email",
      status: "pending",
      created_at: new Date().toISOString(),
    };
    this.jobs.set(job.id, { ...job, status: "completed" });
    this.mailbox.push({
      job_id: job.id,
      user_id: user.user_id,
      to: user.email,
      ticket: randomBytes(24).toString("base64url"),
      sent_at: job.created_at,
    });
    return job;
  }

  /** Opens a verification link: marks its user's email verified. Undefined for an unknown ticket. */
  openVerificationLink(ticket: string): Auth0User | undefined {
    const email = this.mailbox.find((candidate) => candidate.ticket === ticket);
    if (!email) return undefined;
    email.opened_at ??= new Date().toISOString();
    return this.setEmailVerified(email.user_id, true);
  }

  // ---- clients and client grants ----

  /** Adds a client with fixed credentials (the dashboard and management clients); not persisted. */
  seedClient(
    client: Partial<Auth0Client> & Pick<Auth0Client, "client_id" | "client_secret" | "name">,
  ): Auth0Client {
    const created = this.createClient(client);
    this.seedClientIds.add(created.client_id);
    return created;
  }

  createClient(input: Partial<Auth0Client> & Pick<Auth0Client, "name">): Auth0Client {
    const now = new Date().toISOString();
    const client: Auth0Client = {
      client_id: input.client_id ?? randomAlphanumeric(32),
      client_secret: input.client_secret ?? randomBytes(48).toString("base64url"),
      name: input.name,
      description: input.description ?? "",
      app_type: input.app_type ?? "regular_web",
      grant_types: input.grant_types ?? [
        "authorization_code",
        "implicit",
        "refresh_token",
        "client_credentials",
      ],
      client_metadata: input.client_metadata ?? {},
      callbacks: input.callbacks ?? [],
      allowed_logout_urls: input.allowed_logout_urls ?? [],
      web_origins: input.web_origins ?? [],
      allowed_origins: input.allowed_origins ?? [],
      token_endpoint_auth_method: input.token_endpoint_auth_method ?? "client_secret_post",
      is_first_party: true,
      oidc_conformant: true,
      global: false,
      jwt_configuration: { alg: "RS256", lifetime_in_seconds: 36_000, secret_encoded: false },
      created_at: now,
      updated_at: now,
    };
    this.clients.set(client.client_id, client);
    this.issuedSecrets.add(client.client_secret);
    this.save();
    return client;
  }

  updateClient(clientId: string, patch: Partial<Auth0Client>): Auth0Client | undefined {
    const client = this.clients.get(clientId);
    if (!client) return undefined;
    Object.assign(client, patch, { client_id: client.client_id, updated_at: new Date().toISOString() });
    this.save();
    return client;
  }

  /** Deletes a client and, as Auth0 does, its client grants. */
  deleteClient(clientId: string): boolean {
    if (!this.clients.delete(clientId)) return false;
    for (const grant of this.clientGrants.values()) {
      if (grant.client_id === clientId) this.clientGrants.delete(grant.id);
    }
    this.save();
    return true;
  }

  createClientGrant(input: Omit<Auth0ClientGrant, "id">): Auth0ClientGrant {
    const grant: Auth0ClientGrant = {
      id: `cgr_${randomAlphanumeric(16)}`,
      ...input,
      scope: [...input.scope],
    };
    this.clientGrants.set(grant.id, grant);
    this.save();
    return grant;
  }

  findClientGrant(clientId: string, audience: string): Auth0ClientGrant | undefined {
    return [...this.clientGrants.values()].find(
      (grant) => grant.client_id === clientId && grant.audience === audience,
    );
  }

  /** Replaces a client grant's scopes (the only field Auth0 lets change besides organization settings). */
  updateClientGrant(id: string, scope: readonly string[]): Auth0ClientGrant | undefined {
    const grant = this.clientGrants.get(id);
    if (!grant) return undefined;
    grant.scope = [...scope];
    this.save();
    return grant;
  }

  deleteClientGrant(id: string): boolean {
    const deleted = this.clientGrants.delete(id);
    if (deleted) this.save();
    return deleted;
  }

  // ---- resource servers (APIs) ----

  /** Adds an API at start-up (the demo API, the Management API); not persisted. */
  seedResourceServer(
    input: Partial<Auth0ResourceServer> & Pick<Auth0ResourceServer, "identifier">,
  ): Auth0ResourceServer {
    const created = this.createResourceServer(input);
    this.seedResourceServerIds.add(created.id);
    return created;
  }

  createResourceServer(
    input: Partial<Auth0ResourceServer> & Pick<Auth0ResourceServer, "identifier">,
  ): Auth0ResourceServer {
    const server: Auth0ResourceServer = {
      ...RESOURCE_SERVER_DEFAULTS,
      id: randomBytes(12).toString("hex"),
      name: input.identifier,
      ...definedOnly(input),
      identifier: input.identifier,
      scopes: (input.scopes ?? []).map((scope) => ({ ...scope })),
    };
    this.resourceServers.set(server.id, server);
    this.save();
    return server;
  }

  /** An API by its id or its identifier (the audience), as GET /api/v2/resource-servers/{id} accepts. */
  findResourceServer(idOrIdentifier: string): Auth0ResourceServer | undefined {
    return (
      this.resourceServers.get(idOrIdentifier) ??
      [...this.resourceServers.values()].find((server) => server.identifier === idOrIdentifier)
    );
  }

  updateResourceServer(id: string, patch: Partial<Auth0ResourceServer>): Auth0ResourceServer | undefined {
    const server = this.resourceServers.get(id);
    if (!server) return undefined;
    Object.assign(server, definedOnly(patch), {
      id: server.id,
      identifier: server.identifier,
      is_system: server.is_system,
    });
    this.save();
    return server;
  }

  /** Deletes an API and, as Auth0 does, the client grants for it. */
  deleteResourceServer(id: string): boolean {
    const server = this.resourceServers.get(id);
    if (!server) return false;
    this.resourceServers.delete(id);
    for (const grant of this.clientGrants.values()) {
      if (grant.audience === server.identifier) this.clientGrants.delete(grant.id);
    }
    this.save();
    return true;
  }
}
