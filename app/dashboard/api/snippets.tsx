import { CopyButton } from "@/components/copy-button";

/** Ready-to-paste code that gets a client-credentials token and calls the API with it. */
export function Snippets({
  clientId,
  clientSecret,
  tokenUrl,
  audience,
  apiUrl,
}: {
  clientId: string;
  clientSecret: string;
  tokenUrl: string;
  audience: string;
  apiUrl: string;
}) {
  const curl = `TOKEN=$(curl -s ${tokenUrl} \\
  -d grant_type=client_credentials \\
  -d client_id=${clientId} \\
  -d client_secret=${clientSecret} \\
  -d audience=${audience} | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
curl -H "Authorization: Bearer $TOKEN" ${apiUrl}/widgets`;
  const fetchCode = `const tokenResponse = await fetch("${tokenUrl}", {
  method: "POST",
  body: new URLSearchParams({
    grant_type: "client_credentials",
    client_id: "${clientId}",
    client_secret: process.env.TOLLGATE_CLIENT_SECRET, // the secret shown above
    audience: "${audience}",
  }),
});
const { access_token } = await tokenResponse.json();
const widgets = await fetch("${apiUrl}/widgets", {
  headers: { authorization: \`Bearer \${access_token}\` },
}).then((response) => response.json());`;
  return (
    <div className="mt-4 space-y-3">
      <div>
        <div className="flex items-center justify-between">
          <h3 className="text-sm font-medium">curl</h3>
          <CopyButton text={curl} label="Copy curl" />
        </div>
        <pre className="code mt-1" tabIndex={0}>
          {curl}
        </pre>
      </div>
      <div>
        <div className="flex items-center justify-between">
          <h3 className="text-sm font-medium">fetch (Node 18+)</h3>
          <CopyButton text={fetchCode} label="Copy fetch" />
        </div>
        <pre className="code mt-1" tabIndex={0}>
          {fetchCode}
        </pre>
      </div>
    </div>
  );
}
