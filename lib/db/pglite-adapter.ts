/**
 * A PGlite driver-adapter factory that is safe to run migrations with.
 *
 * `pglite-prisma-adapter` (0.7.2) starts `executeScript` without awaiting it, so a migration that
 * fails is recorded as applied in `_prisma_migrations` and its error surfaces later as an unhandled
 * rejection. Its shadow databases are also never closed. This wraps `PrismaPGlite` to fix both;
 * queries and transactions are untouched.
 */
import { PGlite } from "@electric-sql/pglite";
import {
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import { PrismaPGlite } from "pglite-prisma-adapter";

export class PGliteAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres";
  readonly adapterName: string;
  readonly #pglite: PGlite;
  readonly #inner: PrismaPGlite;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
    this.#inner = new PrismaPGlite(pglite);
    this.adapterName = this.#inner.adapterName;
  }

  async connect(): Promise<SqlDriverAdapter> {
    return withAwaitedScripts(await this.#inner.connect(), this.#pglite);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const shadow = new PGlite();
    const adapter = await new PrismaPGlite(shadow).connect();
    return withAwaitedScripts(adapter, shadow, () => shadow.close());
  }
}

function withAwaitedScripts(
  adapter: SqlDriverAdapter,
  pglite: PGlite,
  onDispose?: () => Promise<void>,
): SqlDriverAdapter {
  // Inherit everything else from the original adapter, including its `this`-bound state.
  return Object.assign(Object.create(adapter) as SqlDriverAdapter, {
    async executeScript(script: string): Promise<void> {
      try {
        await pglite.exec(script);
      } catch (error) {
        throw toDriverAdapterError(error);
      }
    },
    async dispose(): Promise<void> {
      await adapter.dispose();
      await onDispose?.();
    },
  });
}

function toDriverAdapterError(error: unknown): unknown {
  if (!(error instanceof Error) || !("severity" in error) || !("code" in error)) return error;
  const { code, severity, detail, column, hint } = error as Error & Record<string, string | undefined>;
  return new DriverAdapterError({
    kind: "postgres",
    code: code ?? "",
    severity: severity ?? "ERROR",
    message: error.message,
    detail,
    column,
    hint,
  });
}
