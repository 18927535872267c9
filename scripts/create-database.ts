/** `tsx scripts/create-database.ts <server-url> [prefix]`: creates an empty database, prints its URL. */
import { freshDatabaseUrl } from "./lib/fresh-database";

const [serverUrl, prefix = "tollgate"] = process.argv.slice(2);
if (!serverUrl) {
  console.error("usage: tsx scripts/create-database.ts postgres://user@host:5432/postgres [prefix]");
  process.exit(2);
}
console.log(await freshDatabaseUrl(serverUrl, prefix));
