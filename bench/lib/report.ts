import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";

/** One benchmark area's outcome, written to bench/results/<area>.json (DESIGN.md, Benchmarks). */
export interface AreaResult {
  area: string;
  results: Record<string, unknown>;
  ratios: Record<string, number>;
  /** Rows for the printed table: what was measured, its value, and the unit. */
  table: Array<[name: string, value: number, unit: string]>;
  /** Pass/fail lines against the targets, printed under the table. */
  targets?: Array<{ name: string; ok: boolean; detail: string }>;
}

/** Writes bench/results/<area>.json and returns its path. */
export function writeResult(result: AreaResult): string {
  mkdirSync("bench/results", { recursive: true });
  const path = `bench/results/${result.area}.json`;
  const document = {
    area: result.area,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? "unknown", node: process.version },
    results: result.results,
    ratios: result.ratios,
    ...(result.targets ? { targets: result.targets } : {}),
  };
  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
  return path;
}

/** A Markdown table of an area's measurements and ratios, ready to paste into a note. */
export function formatTable(result: AreaResult): string {
  const rows = [
    ...result.table.map(([name, value, unit]) => [name, format(value), unit]),
    ...Object.entries(result.ratios).map(([name, value]) => [name, format(value), "ratio"]),
  ];
  const lines = [`### ${result.area}`, "", "| measure | value | unit |", "|---|---:|---|"];
  for (const [name, value, unit] of rows) lines.push(`| ${name} | ${value} | ${unit} |`);
  for (const target of result.targets ?? [])
    lines.push(`\n${target.ok ? "✔" : "✘"} ${target.name}: ${target.detail}`);
  return lines.join("\n");
}

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 1) return value.toFixed(2);
  return value.toFixed(3);
}
