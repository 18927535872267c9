/**
 * Per-process singletons (clients, caches, limiters), kept in one map on globalThis: Next bundles the
 * proxy, route handlers and server actions separately, and each bundle has its own copy of every
 * module, yet all of them must share one Redis connection or one cache. Only an optimisation or a
 * connection lives here, never state that must hold across instances (that is in Postgres or Redis).
 */
interface Slot {
  value: unknown;
  dispose?: (value: never) => void;
}

const globalForState = globalThis as typeof globalThis & { tollgateProcessState?: Map<string, Slot> };
const state = (globalForState.tollgateProcessState ??= new Map<string, Slot>());

/**
 * The value of `key` in this process, created by `create` on first use. `dispose` releases it (closes
 * a connection) when tests forget it.
 */
export function processSingleton<T>(key: string, create: () => T, dispose?: (value: T) => void): T {
  let slot = state.get(key);
  if (!slot) {
    slot = { value: create(), dispose: dispose as Slot["dispose"] };
    state.set(key, slot);
  }
  return slot.value as T;
}

/** Forgets singletons (all, or those named), as a new process would start without them. Tests only. */
export function resetProcessState(...keys: string[]): void {
  for (const key of keys.length > 0 ? keys : [...state.keys()]) {
    const slot = state.get(key);
    state.delete(key);
    slot?.dispose?.(slot.value as never);
  }
}
