import type { Metadata } from "next";
import { keyScopesFor, listApiKeys } from "@/lib/auth/api-keys";
import { grantableScopes, listMachineClients } from "@/lib/auth/machine-clients";
import { requireAccount } from "@/lib/auth/session";
import { scopeName } from "@/lib/billing/plans";
import { getConfig } from "@/lib/config";
import { CardSection } from "@/components/ui/card-section";
import { DataTable } from "@/components/ui/data-table";
import { getDb } from "@/lib/db";
import { Notice } from "@/components/ui/notice";
import { can, roleLabel } from "@/lib/teams/roles";
import { formatDateTime } from "@/lib/format";
import { CreateClientForm } from "./create-client-form";
import { CreateKeyForm } from "./create-key-form";
import { PersonalToken } from "./personal-token";
import { RevokeButton } from "./revoke-button";

export const metadata: Metadata = { title: "API access" };

// GET /dashboard/api – the person's token, the customer's API keys and machine clients
export default async function ApiAccessPage() {
  const account = await requireAccount();
  if (!can(account.role, "keys:manage")) {
    // The actions refuse too (keys:manage); the page says so instead of offering forms that would fail.
    return (
      <main className="space-y-6">
        <h1 className="text-2xl font-bold">API access</h1>
        <Notice tone="info" data-testid="api-role">
          As {roleLabel(account.role).toLowerCase()} of {account.teamName} you do not manage API keys or
          clients. The team&apos;s owners, admins and developers do.
        </Notice>
      </main>
    );
  }
  const db = getDb();
  const [keys, keyScopes, clients] = await Promise.all([
    listApiKeys(db, account.customerId),
    keyScopesFor(db, account.customerId),
    listMachineClients(db, account.customerId),
  ]);
  const { gate, auth } = getConfig();
  const scopes = grantableScopes().map((value) => ({
    value,
    label: scopeName(value),
  }));
  const apiUrl = `${auth.appBaseUrl.replace(/\/$/, "")}/api/v1`;
  const now = new Date();

  return (
    <main className="space-y-6">
      <h1 className="text-2xl font-bold">API access</h1>

      <CardSection headingId="personal-heading" title="Your personal access token" className="space-y-2">
        <p className="muted">
          For trying the API as yourself. Machines should use an API key below: it does not expire with your
          session.
        </p>
        <PersonalToken />
      </CardSection>

      <CardSection headingId="keys-heading" title="API keys" className="space-y-3">
        <p className="muted">
          What your programs should use: send the key as <code>Authorization: Bearer tg_…</code>. Each key
          carries the scopes you choose from your plan&apos;s, and can expire, have its own rate limit and be
          revoked at once.
        </p>
        <CreateKeyForm
          scopes={keyScopes.map((value) => ({ value, label: scopeName(value) }))}
          apiUrl={apiUrl}
        />
        {keys.length === 0 ? (
          <p className="muted">No keys yet.</p>
        ) : (
          <DataTable
            data-testid="keys"
            columns={[
              "Name",
              "Key",
              "Scopes",
              "Created",
              "Last used",
              "Expires",
              { label: "Status", hidden: true },
            ]}
          >
            <tbody>
              {keys.map((key) => (
                <tr key={key.id} className="border-b border-slate-100 align-top">
                  <td className="py-2 pr-4 font-medium">{key.name}</td>
                  <td className="py-2 pr-4">
                    <code className="font-mono text-xs whitespace-nowrap">{key.prefix}…</code>
                  </td>
                  <td className="py-2 pr-4 font-mono text-xs">
                    {key.scopes.join(" ")}
                    {key.rateLimitPerSecond !== null && (
                      <span className="block font-sans text-slate-600">{key.rateLimitPerSecond} calls/s</span>
                    )}
                  </td>
                  <td className="py-2 pr-4 whitespace-nowrap">{formatDateTime(key.createdAt)}</td>
                  <td className="py-2 pr-4 whitespace-nowrap">
                    {key.lastUsedAt ? formatDateTime(key.lastUsedAt) : "never"}
                  </td>
                  <td className="py-2 pr-4 whitespace-nowrap">
                    {key.expiresAt ? formatDateTime(key.expiresAt) : "never"}
                  </td>
                  <td className="py-2">
                    {key.revokedAt ? (
                      <span className="text-slate-600">Revoked {formatDateTime(key.revokedAt)}</span>
                    ) : key.expiresAt && key.expiresAt <= now ? (
                      <span className="text-slate-600">Expired</span>
                    ) : (
                      <RevokeButton id={key.id} name={key.name} kind="key" />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </DataTable>
        )}
      </CardSection>

      <CardSection headingId="create-heading" title="Create a machine client" className="space-y-3">
        <p className="muted">
          For OAuth: an Auth0 application whose client credentials get access tokens (each token counts
          against the tenant&apos;s machine-to-machine quota).
        </p>
        <CreateClientForm
          scopes={scopes}
          tokenUrl={`${gate.issuer}oauth/token`}
          audience={gate.audience}
          apiUrl={apiUrl}
        />
      </CardSection>

      <CardSection headingId="clients-heading" title="Your machine clients">
        {clients.length === 0 ? (
          <p className="muted mt-2">No clients yet. Create one above to call the API from your code.</p>
        ) : (
          <DataTable
            className="mt-3"
            data-testid="clients"
            columns={[
              "Name",
              "Client ID",
              "Scopes",
              "Created",
              "Last used",
              { label: "Actions", hidden: true },
            ]}
          >
            <tbody>
              {clients.map((client) => (
                <tr key={client.id} className="border-b border-slate-100 align-top">
                  <td className="py-2 pr-4 font-medium">{client.name}</td>
                  <td className="py-2 pr-4">
                    <code className="font-mono text-xs break-all">{client.clientId}</code>
                  </td>
                  <td className="py-2 pr-4 font-mono text-xs">{client.scopes.join(" ")}</td>
                  <td className="py-2 pr-4 whitespace-nowrap">{formatDateTime(client.createdAt)}</td>
                  <td className="py-2 pr-4 whitespace-nowrap">
                    {client.lastUsedAt ? formatDateTime(client.lastUsedAt) : "never"}
                  </td>
                  <td className="py-2">
                    {client.revokedAt ? (
                      <span className="text-slate-600">Revoked {formatDateTime(client.revokedAt)}</span>
                    ) : (
                      <RevokeButton id={client.id} name={client.name} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </DataTable>
        )}
      </CardSection>
    </main>
  );
}
