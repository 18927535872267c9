import type { Metadata } from "next";
import { grantableScopes, listMachineClients } from "@/lib/auth/machine-clients";
import { requireAccount } from "@/lib/auth/session";
import { scopeName } from "@/lib/billing/plans";
import { getConfig } from "@/lib/config";
import { CardSection } from "@/components/ui/card-section";
import { DataTable } from "@/components/ui/data-table";
import { getDb } from "@/lib/db";
import { formatDateTime } from "@/lib/format";
import { CreateClientForm } from "./create-client-form";
import { PersonalToken } from "./personal-token";
import { RevokeButton } from "./revoke-button";

export const metadata: Metadata = { title: "API access" };

// GET /dashboard/api – the person's token, and the customer's machine clients
export default async function ApiAccessPage() {
  const account = await requireAccount();
  const clients = await listMachineClients(getDb(), account.customerId);
  const { gate, auth } = getConfig();
  const scopes = grantableScopes().map((value) => ({
    value,
    label: scopeName(value),
  }));

  return (
    <main className="space-y-6">
      <h1 className="text-2xl font-bold">API access</h1>

      <CardSection headingId="personal-heading" title="Your personal access token" className="space-y-2">
        <p className="muted">
          For trying the API as yourself. Machines should use a client below: their credentials do not expire
          with your session.
        </p>
        <PersonalToken />
      </CardSection>

      <CardSection headingId="create-heading" title="Create a machine client" className="space-y-3">
        <CreateClientForm
          scopes={scopes}
          tokenUrl={`${gate.issuer}oauth/token`}
          audience={gate.audience}
          apiUrl={`${auth.appBaseUrl.replace(/\/$/, "")}/api/v1`}
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
