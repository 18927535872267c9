import "server-only";
import type { Prisma } from "@/lib/generated/prisma/client";

/** The database inside a transaction. */
export type Tx = Prisma.TransactionClient;

/**
 * Locks a team's customer row for the rest of the transaction (PostgreSQL, or PGlite), so membership
 * changes of one team run one at a time: two owners demoting each other at once would otherwise each
 * see the other still an owner, and leave none.
 */
export async function lockTeam(tx: Tx, customerId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM customers WHERE id = ${customerId}::uuid FOR UPDATE`;
}
