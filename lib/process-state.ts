/**
 * Per-process singletons (clients, caches, limiters), kept in one map on globalThis: Next bundles the
 * proxy, route handlers and server actions separately, and each bundle has its own copy of every
 * module, yet all of them must share one database pool, one Redis connection or one cache. Only an
 * optimisation or a connection lives here, never state that must hold across instances (that is in
 * Postgres or Redis).
 */
interface Slot {
  value: unknown;
  dispose?: (value: never) => void;
}

const globalForState = globalThis as typeof globalThis & { tollgateProcessState?: Map<string, Slot> };
const state = (globalForState.tollgateProcessState ??= new Map<string, Slot>());

declare const valueType: unique symbol;

/**
 * The name of one singleton, carrying the type of its value: the module that owns it exports it, so
 * tests reach the singleton through a typed key instead of a string they must spell right. A string
 * underneath, because each bundle's copy of the owning module makes a key of its own.
 */
export type ProcessKey<T> = string & { readonly [valueType]?: T };

/** The type of the singleton a key names. */
export type ProcessValue<K> = K extends ProcessKey<infer T> ? T : never;

/** A key for a singleton of type `T`, named `name` (unique in the process). */
export function processKey<T>(name: string): ProcessKey<T> {
  return name as ProcessKey<T>;
}

/**
 * The value of `key` in this process, created by `create` on first use. `dispose` releases it (closes
 * a connection) when tests forget it.
 */
export function processSingleton<T>(key: ProcessKey<T>, create: () => T, dispose?: (value: T) => void): T {
  let slot = state.get(key);
  if (!slot) {
    slot = { value: create(), dispose: dispose as Slot["dispose"] };
    state.set(key, slot);
  }
  return slot.value as T;
}

/** The value of `key` if this process has one, without creating it. Tests only. */
export function peekProcessSingleton<T>(key: ProcessKey<T>): T | undefined {
  return state.get(key)?.value as T | undefined;
}

/**
 * Puts `value` in place of the process's own (a test's database, a gate on a frozen clock), or
 * forgets it with `undefined`. The caller owns the value: a reset forgets it without disposing it.
 * Tests only.
 */
export function setProcessSingleton<T>(key: ProcessKey<T>, value: T | undefined): void {
  if (value === undefined) state.delete(key);
  else state.set(key, { value });
}

/** Forgets singletons (all, or those named), as a new process would start without them. Tests only. */
export function resetProcessState(...keys: ProcessKey<unknown>[]): void {
  forget(keys.length > 0 ? keys : [...state.keys()]);
}

/**
 * Forgets every singleton but those named, as a new process that shares them would start (a test's
 * database, whose pool the rate limiter's PostgreSQL store shares). Tests only.
 */
export function resetProcessStateExcept(...kept: ProcessKey<unknown>[]): void {
  forget([...state.keys()].filter((key) => !kept.includes(key)));
}

function forget(keys: string[]): void {
  for (const key of keys) {
    const slot = state.get(key);
    state.delete(key);
    slot?.dispose?.(slot.value as never);
  }
}
