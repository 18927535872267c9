/**
 * Prisma Migrate without native engine binaries.
 *
 * Drives `@prisma/schema-engine-wasm` (the Schema Engine compiled to WebAssembly) over a
 * Prisma driver adapter, so migrations can be applied and created anywhere Node runs,
 * including against an in-memory PGlite database.
 */
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";

import {
  bindMigrationAwareSqlAdapterFactory,
  type ErrorCapturingSqlMigrationAwareDriverAdapterFactory,
  type SqlDriverAdapter,
  type SqlDriverAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type {
  MigrationDirectory,
  MigrationList,
  SchemaEngine,
  SchemaFilter,
} from "@prisma/schema-engine-wasm/schema_engine_bg";

export type { SchemaFilter };

interface SchemaSource {
  /** Path to a `.prisma` file, or to a folder of `.prisma` files (multi-file schema). */
  schemaPath?: string;
  /** Schema text. Takes precedence over reading `schemaPath` (which then only labels errors). */
  schema?: string;
}

interface EngineOptions {
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** The `prisma/migrations` folder. */
  migrationsDir: string;
  /** Same as `tables.external` / `enums.external` in `prisma.config.ts`. */
  filters?: Partial<SchemaFilter>;
  /** Same as `migrations.initShadowDb` in `prisma.config.ts`. */
  shadowDbInitScript?: string;
  /** Receives the engine's tracing output, one JSON document per call. */
  onEngineLog?: (line: string) => void;
}

export interface ApplyMigrationsOptions extends EngineOptions, SchemaSource {}

export interface CreateMigrationOptions extends EngineOptions, SchemaSource {
  /** Migration name; normalised the way `prisma migrate dev --name` does it. */
  name: string;
  /**
   * Write a migration even if the schema has not changed (an empty one, to fill in by hand),
   * which is what `prisma migrate dev --create-only` does.
   */
  draft?: boolean;
  /**
   * Its `connect()` must return an empty database, on which the migration history is replayed
   * (and left behind: use a fresh one per call). Defaults to `adapterFactory.connectToShadowDb()`.
   * An in-memory PGlite (`new PrismaPGlite(new PGlite())`) works for any PostgreSQL target.
   */
  shadowAdapterFactory?: SqlDriverAdapterFactory;
}

export interface CreatedMigration {
  /** Directory name, e.g. `20250101120000_init`. */
  name: string;
  /** Absolute path of the written `migration.sql`. */
  path: string;
  script: string;
}

/** An error reported by the Schema Engine; `code` is the Prisma error code (e.g. `P3018`) when it has one. */
export class SchemaEngineError extends Error {
  override name = "SchemaEngineError";
  readonly code: string | undefined;

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = options.code;
  }
}

const MIGRATION_SCRIPT = "migration.sql";
const LOCKFILE = "migration_lock.toml";
const EMPTY_MIGRATION = "-- This is an empty migration.";

/**
 * Applies every migration in `migrationsDir` that the database has not seen yet and returns
 * their names. Equivalent to `prisma migrate deploy`: the engine does the `_prisma_migrations`
 * bookkeeping (checksums, timestamps, failed-migration checks) exactly as the native binary does.
 */
export async function applyMigrations(options: ApplyMigrationsOptions): Promise<string[]> {
  const schemaFiles =
    options.schema !== undefined || options.schemaPath !== undefined ? await loadSchema(options) : [];
  const migrationsList = await readMigrationsList(options.migrationsDir, options.shadowDbInitScript);

  return withEngine({ ...options, schemaFiles }, async (engine) => {
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList,
      filters: resolveFilters(options.filters),
    });
    return appliedMigrationNames;
  });
}

/**
 * Writes `<migrationsDir>/<timestamp>_<name>/migration.sql` (and `migration_lock.toml`) with the
 * SQL that takes the migration history to the schema, like `prisma migrate dev --create-only`.
 * Returns `null` and writes nothing when the schema has no changes (unless `draft` is set).
 *
 * The migration history is replayed on a shadow database (`shadowAdapterFactory`, else
 * `adapterFactory.connectToShadowDb()`). The main database is connected to but neither read nor
 * changed, and pending migrations are not applied to it.
 */
export async function createMigration(options: CreateMigrationOptions): Promise<CreatedMigration | null> {
  const schemaFiles = await loadSchema(options);
  const migrationsList = await readMigrationsList(options.migrationsDir, options.shadowDbInitScript);
  const connectorType = connectorTypeOf(options.adapterFactory);
  assertLockfileProvider(migrationsList, connectorType);

  // Not the engine's `createMigration`: in the Wasm build only `diff` is handed the adapter factory
  // for a shadow database; `createMigration` fails on PostgreSQL with "PostgreSQL shadow DB must be
  // provided through an external factory". The SQL is the same, minus the data-loss warnings header.
  const { exitCode, stdout } = await withEngine({ ...options, schemaFiles }, (engine) =>
    engine.diff({
      from: {
        tag: "migrations",
        ...migrationsList,
        // `diff` picks the SQL dialect from the lockfile, which does not exist before the first migration.
        lockfile: {
          ...migrationsList.lockfile,
          content: migrationsList.lockfile.content ?? lockfileContent(connectorType),
        },
      },
      to: { tag: "schemaDatamodel", files: schemaFiles.map(([path, content]) => ({ path, content })) },
      script: true,
      exitCode: true,
      filters: resolveFilters(options.filters),
    }),
  );

  const hasChanges = exitCode === 2;
  if (!hasChanges && !options.draft) return null;

  // `diff` appends a newline when the script lacks one; `migrate dev` writes the empty marker without it.
  const script = hasChanges ? (stdout ?? "") : EMPTY_MIGRATION;
  const name = `${utcTimestamp()}_${normalizeMigrationName(options.name)}`;
  const directory = path.join(migrationsList.baseDir, name);

  await mkdir(migrationsList.baseDir, { recursive: true });
  await mkdir(directory); // throws EEXIST rather than overwriting, like the CLI
  const scriptPath = path.join(directory, MIGRATION_SCRIPT);
  await writeFile(scriptPath, script, "utf8");
  await writeFile(
    path.join(migrationsList.baseDir, migrationsList.lockfile.path),
    lockfileContent(connectorType),
    "utf8",
  );

  return { name, path: scriptPath, script };
}

/**
 * Same normalisation as `prisma migrate dev --name`: slugified with `_`, camelCase split into
 * words, lowercased, at most 200 characters. (The CLI also transliterates a long list of Unicode
 * symbols; here anything outside a-z and 0-9 that is not a Latin letter with a diacritic becomes `_`.)
 */
export function normalizeMigrationName(name: string): string {
  return name
    .replaceAll("&", " and ")
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .replace(/([A-Z]{2,})(\d+)/g, "$1 $2")
    .replace(/([a-z\d]+)([A-Z]{2,})/g, "$1 $2")
    .replace(/([a-z\d])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-rt-z\d]+)/g, "$1 $2")
    .toLowerCase()
    .replace(/([a-z\d]+)'([ts])(\s|$)/g, "$1$2$3")
    .replace(/[^a-z\d]+/g, "_")
    .replace(/^_|_$/g, "")
    .slice(0, 200);
}

type SchemaFiles = Array<[path: string, content: string]>;

async function loadSchema({ schema, schemaPath }: SchemaSource): Promise<SchemaFiles> {
  if (schema !== undefined) return [[schemaPath ?? "schema.prisma", schema]];
  if (schemaPath === undefined) throw new TypeError("Either `schema` or `schemaPath` is required.");

  const absolute = path.resolve(schemaPath);
  if (!(await stat(absolute)).isDirectory()) return [[absolute, await readFile(absolute, "utf8")]];

  const entries = await readdir(absolute, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".prisma"))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
  if (files.length === 0) throw new Error(`No .prisma files found in ${absolute}`);
  return Promise.all(
    files.map(async (file): Promise<[string, string]> => [file, await readFile(file, "utf8")]),
  );
}

/** Reads the migrations folder into the shape the engine expects, the same way the Prisma CLI does. */
async function readMigrationsList(migrationsDir: string, shadowDbInitScript = ""): Promise<MigrationList> {
  const baseDir = path.resolve(migrationsDir);
  const lockfile = {
    path: LOCKFILE,
    content: await readFile(path.join(baseDir, LOCKFILE), "utf8").catch(() => null),
  };
  const entries = await readdir(baseDir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });

  const migrationDirectories = await Promise.all(
    entries
      .filter((entry) => entry.isDirectory())
      .map(async ({ name }): Promise<MigrationDirectory> => {
        const content = await readFile(path.join(baseDir, name, MIGRATION_SCRIPT), "utf8").then(
          (value) => ({ tag: "ok" as const, value }),
          (error: Error) => ({ tag: "error" as const, value: error.message }),
        );
        return { path: name, migrationFile: { path: MIGRATION_SCRIPT, content } };
      }),
  );
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path));

  return { baseDir, lockfile, migrationDirectories, shadowDbInitScript };
}

function resolveFilters(filters: Partial<SchemaFilter> = {}): SchemaFilter {
  return { externalTables: filters.externalTables ?? [], externalEnums: filters.externalEnums ?? [] };
}

type ConnectorType = "postgresql" | "sqlite";

function connectorTypeOf({ provider }: SqlMigrationAwareDriverAdapterFactory): ConnectorType {
  switch (provider) {
    case "postgres":
      return "postgresql";
    case "sqlite":
      return "sqlite";
    default:
      throw new Error(`The Wasm schema engine does not support "${provider}" driver adapters.`);
  }
}

function lockfileContent(connectorType: ConnectorType): string {
  return [
    "# Please do not edit this file manually",
    "# It should be added in your version-control system (e.g., Git)",
    `provider = "${connectorType}"`,
    "",
  ].join("\n");
}

function assertLockfileProvider({ lockfile }: MigrationList, connectorType: ConnectorType): void {
  const provider = lockfile.content?.match(/^\s*provider\s*=\s*"([^"]*)"/m)?.[1];
  if (provider !== undefined && provider !== connectorType) {
    throw new SchemaEngineError(
      `The datasource provider \`${connectorType}\` does not match the one in ${LOCKFILE}, \`${provider}\`. ` +
        "Start a new migration history to switch providers: https://pris.ly/d/migrate-provider-switch",
      { code: "P3019" },
    );
  }
}

function utcTimestamp(): string {
  return new Date().toISOString().replace(/\D/g, "").slice(0, 14);
}

// --- Wasm engine plumbing ---------------------------------------------------------------------

type WasmBindings = typeof import("@prisma/schema-engine-wasm/schema_engine_bg");

interface WasmPanicRegistry {
  message: string;
  set_message(message: string): void;
}

declare global {
  // Looked up by the engine's panic hook, the same global the Prisma CLI installs.
  var PRISMA_WASM_PANIC_REGISTRY: WasmPanicRegistry | undefined;
}

let bindings: Promise<WasmBindings> | undefined;
let panicked = false;

/**
 * The package's main entry `import`s the `.wasm` file as an ES module, which Node 20 only allows
 * behind `--experimental-wasm-modules`. Instead, load the wasm-bindgen glue (`./schema_engine_bg`)
 * and instantiate the module by hand. The glue keeps the instance in module state, so this must
 * happen once per process.
 */
function loadBindings(): Promise<WasmBindings> {
  bindings ??= (async () => {
    const glue = await import("@prisma/schema-engine-wasm/schema_engine_bg");
    // The package's `exports` hide the .wasm file, so locate it next to the resolved glue.
    const wasmUrl = new URL(
      "schema_engine_bg.wasm",
      import.meta.resolve("@prisma/schema-engine-wasm/schema_engine_bg"),
    );
    const { instance } = await WebAssembly.instantiate(await readFile(wasmUrl), {
      "./schema_engine_bg.js": withUnrefTimers(glue),
    });
    globalThis.PRISMA_WASM_PANIC_REGISTRY ??= {
      message: "",
      set_message(message) {
        this.message = message;
      },
    };
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue;
  })();
  return bindings;
}

interface WithEngineOptions extends EngineOptions {
  schemaFiles: SchemaFiles;
  shadowAdapterFactory?: SqlDriverAdapterFactory;
}

/**
 * The engine arms timers it never clears (e.g. a 10 s timeout around taking the migration advisory
 * lock), which would keep Node running for up to 10 s after the work is done. Unref them;
 * `withEngine` keeps the process alive while an engine call is in flight.
 */
function withUnrefTimers(glue: WasmBindings): WebAssembly.ModuleImports {
  const imports: WebAssembly.ModuleImports = { ...glue };
  for (const [name, value] of Object.entries(glue)) {
    if (!name.startsWith("__wbg_setTimeout_") || typeof value !== "function") continue;
    const setTimer = value as (callback: () => void, ms: number) => unknown;
    imports[name] = (callback: () => void, ms: number) => {
      const timer = setTimer(callback, ms);
      (timer as Partial<NodeJS.Timeout>).unref?.();
      return timer;
    };
  }
  return imports;
}

async function withEngine<T>(
  options: WithEngineOptions,
  run: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  if (panicked)
    throw new SchemaEngineError("The schema engine panicked earlier in this process; restart it.");

  const { SchemaEngine } = await loadBindings();
  const { schemaFiles } = options;
  const { factory, dispose } = prepareFactory(options);
  const bound = bindMigrationAwareSqlAdapterFactory(factory);

  const keepAlive = setInterval(() => {}, 60_000);
  let engine: SchemaEngine | undefined;
  try {
    engine = await SchemaEngine.new(
      // `datamodels` must be undefined or non-empty.
      { datamodels: schemaFiles.length > 0 ? schemaFiles : undefined },
      options.onEngineLog ?? (() => {}),
      bound,
    );
    return await run(engine);
  } catch (error) {
    throw toEngineError(error, bound);
  } finally {
    engine?.free();
    await dispose();
    clearInterval(keepAlive);
  }
}

/**
 * The engine disposes shadow-database connections itself, but never the main connection, so a
 * `pg` pool opened by `PrismaPg` would keep the process alive. Collect and dispose those here.
 */
function prepareFactory({ adapterFactory, shadowAdapterFactory }: WithEngineOptions) {
  const opened: SqlDriverAdapter[] = [];
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: adapterFactory.provider,
    adapterName: adapterFactory.adapterName,
    connect: async () => {
      const adapter = await adapterFactory.connect();
      opened.push(adapter);
      return adapter;
    },
    connectToShadowDb: async () => {
      const shadow = await (shadowAdapterFactory?.connect() ?? adapterFactory.connectToShadowDb());
      try {
        if (shadow.provider === "postgres") await assertEmptyPostgres(shadow);
      } catch (error) {
        await shadow.dispose();
        throw error;
      }
      return shadow;
    },
  };
  const dispose = async () => {
    await Promise.all(opened.splice(0).map((adapter) => adapter.dispose()));
  };
  return { factory, dispose };
}

/**
 * The engine replays migrations on the shadow database without resetting it first. Refuse a
 * database that already has tables: it would make the replay fail or, worse, be the main database
 * (`@prisma/adapter-pg` 7.10 connects its "shadow" to the main database when configured with a
 * `connectionString`).
 */
async function assertEmptyPostgres(shadow: SqlDriverAdapter): Promise<void> {
  const { rows } = await shadow.queryRaw({
    sql: `SELECT c.relname FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
            AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            AND n.nspname NOT LIKE 'pg\\_%'
          LIMIT 1`,
    args: [],
    argTypes: [],
  });
  if (rows.length > 0) {
    throw new SchemaEngineError(
      `The shadow database is not empty (found relation "${String(rows[0]?.[0])}"). ` +
        "Pass a `shadowAdapterFactory` that connects to an empty, disposable database.",
    );
  }
}

function toEngineError(error: unknown, bound: ErrorCapturingSqlMigrationAwareDriverAdapterFactory): unknown {
  if (!(error instanceof Error)) return error;

  if (error instanceof WebAssembly.RuntimeError) {
    panicked = true;
    const reason = globalThis.PRISMA_WASM_PANIC_REGISTRY?.message || error.message;
    return new SchemaEngineError(`The schema engine panicked: ${reason}`, { cause: error });
  }

  // Exceptions thrown by the adapter that are not `DriverAdapterError`s reach the engine only as
  // an id into the factory's error registry; hand the original error back to the caller.
  const id = /External error id#(\d+)/.exec(error.message)?.[1];
  const original = id === undefined ? undefined : bound.errorRegistry.consumeError(Number(id));
  if (original) return original.error;

  const code = "code" in error && typeof error.code === "string" ? error.code : undefined;
  return new SchemaEngineError(error.message, { code, cause: error });
}
