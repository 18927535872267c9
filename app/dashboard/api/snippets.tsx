import { CopyButton } from "@/components/copy-button";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";

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
    <Tabs defaultValue="curl" className="mt-4">
      <TabsList aria-label="Snippet language">
        <TabsTrigger value="curl">curl</TabsTrigger>
        <TabsTrigger value="fetch">fetch (Node 18+)</TabsTrigger>
      </TabsList>
      <TabsContent value="curl">
        <div className="flex justify-end">
          <CopyButton text={curl} label="Copy curl" />
        </div>
        <pre className="code mt-1" tabIndex={0}>
          {curl}
        </pre>
      </TabsContent>
      <TabsContent value="fetch">
        <div className="flex justify-end">
          <CopyButton text={fetchCode} label="Copy fetch" />
        </div>
        <pre className="code mt-1" tabIndex={0}>
          {fetchCode}
        </pre>
      </TabsContent>
    </Tabs>
  );
}
