/**
 * `npm run bench [-- <area> ...]`: runs the benchmarks, prints one table per area and writes
 * bench/results/<area>.json. Figures are ratios measured side by side in one run: the machine is
 * shared and noisy, so absolute numbers drift between runs while ratios hold.
 */
import { benchBilling } from "./billing";
import { benchGate } from "./gate";
import { formatTable, writeResult, type AreaResult } from "./lib/report";
import { benchMetering } from "./metering";
import { benchScale } from "./scale";

const AREAS: Record<string, () => Promise<AreaResult>> = {
  gate: benchGate,
  billing: benchBilling,
  metering: benchMetering,
  scale: benchScale,
};

const requested = process.argv.slice(2).filter((arg) => arg !== "--");
const unknown = requested.filter((area) => !(area in AREAS));
if (unknown.length > 0) {
  console.error(`Unknown area(s): ${unknown.join(", ")}. Areas: ${Object.keys(AREAS).join(", ")}`);
  process.exit(2);
}
for (const area of requested.length > 0 ? requested : Object.keys(AREAS)) {
  console.log(`\n▶ bench: ${area}`);
  const result = await (AREAS[area] as () => Promise<AreaResult>)();
  const path = writeResult(result);
  console.log(`\n${formatTable(result)}\n\n(written to ${path})`);
}
process.exit(0);
