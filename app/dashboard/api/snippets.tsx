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
  const snippets = [
    { value: "curl", name: "curl", code: curl },
    { value: "fetch", name: "fetch (Node 18+)", code: fetchCode },
  ];
  return (
    <Tabs defaultValue="curl" className="mt-4">
      <TabsList aria-label="Snippet language">
        {snippets.map((snippet) => (
          <TabsTrigger key={snippet.value} value={snippet.value}>
            {snippet.name}
          </TabsTrigger>
        ))}
      </TabsList>
      {snippets.map((snippet) => (
        <TabsContent key={snippet.value} value={snippet.value}>
          <div className="flex justify-end">
            <CopyButton text={snippet.code} label={`Copy ${snippet.value}`} />
          </div>
          <pre className="code mt-1" tabIndex={0}>
            {snippet.code}
          </pre>
        </TabsContent>
      ))}
    </Tabs>
  );
}
