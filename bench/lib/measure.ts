/** An operation to time; it may be async. */
export type Op = () => unknown;

export interface Candidate {
  name: string;
  op: Op;
  /** Operations per timed batch: large enough that a batch takes a few milliseconds. */
  batch: number;
  /** Operations in flight at once within a batch, as a server under load has (default 1). */
  concurrency?: number;
}

/**
 * Times candidates side by side: every round runs one batch of each, in rotating order, so that
 * drift in the machine's speed (it is shared and noisy) hits all of them alike. Returns the median
 * microseconds per operation of each candidate over the rounds.
 */
export async function compareOps(candidates: Candidate[], rounds: number): Promise<Record<string, number>> {
  const samples = new Map<string, number[]>(candidates.map((candidate) => [candidate.name, []]));
  for (const candidate of candidates) await runBatch(candidate); // warm-up: JIT, caches, connections
  for (let round = 0; round < rounds; round++) {
    for (let index = 0; index < candidates.length; index++) {
      const candidate = candidates[(index + round) % candidates.length] as Candidate;
      const started = process.hrtime.bigint();
      await runBatch(candidate);
      const elapsedUs = Number(process.hrtime.bigint() - started) / 1_000;
      samples.get(candidate.name)?.push(elapsedUs / candidate.batch);
    }
  }
  return Object.fromEntries([...samples].map(([name, values]) => [name, median(values)]));
}

async function runBatch({ op, batch, concurrency = 1 }: Candidate): Promise<void> {
  let started = 0;
  const worker = async () => {
    while (started < batch) {
      started += 1;
      const result = op();
      if (result instanceof Promise) await result;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** The median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
