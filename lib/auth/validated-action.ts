import "server-only";
import type { SessionData } from "@auth0/nextjs-auth0/types";
import { unstable_rethrow } from "next/navigation";
import { z } from "zod";
import { log } from "@/lib/log";
import { PermissionDeniedError } from "@/lib/teams/errors";
import { can, type Permission } from "@/lib/teams/roles";
import { AuthError, type AuthErrorCode } from "./errors";
import { requireAccount, requireSession, type Account } from "./session";

/** A refusal a form shows: `code` is stable (absent for unexpected failures), `message` says what to do. */
export type ActionError = { status: "error"; message: string; code?: AuthErrorCode };

/** What a form holds: nothing yet, a refusal, or what its action did. */
export type ActionState<Done> = { status: "idle" } | ActionError | Done;

/** How an unexpected failure is logged (`event`) and told to the person (`message`). */
export interface ActionFailure {
  event: string;
  message: string;
}

/** How an action is refused before it reads its input: `authorize` throws an AuthError to refuse. */
export interface ActionOptions<Identity> extends ActionFailure {
  authorize?: (identity: Identity) => void;
}

/**
 * What an account's action needs of the person's role in the active team (lib/teams/roles.ts), or
 * `null` for an action any member may take (switching teams, leaving one).
 */
export interface AccountActionOptions extends ActionFailure {
  permission: Permission | null;
}

/** The schema of an action that reads no input (a button without fields). */
export const noInput = z.object({});

/**
 * A form field that may repeat (checkboxes): absent is `[]`, one value `[value]`, more their list,
 * then `list` checks it.
 *
 * @example z.object({ scopes: repeatedField(z.array(z.string()).min(1, "Choose at least one scope.")) })
 */
export function repeatedField<T extends z.ZodType>(list: T) {
  return z.preprocess((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]), list);
}

/**
 * Wraps a server action (nextjs/saas-starter's `validatedActionWithUser`): `identify` runs first (its
 * redirects and errors pass through), then `failure.authorize` may refuse the identity, then `schema`
 * parses the form's fields (a refusal names the first problem), then `action` runs. The one error
 * path: an AuthError it throws becomes its message and code; anything else is logged as
 * `failure.event` and shown as `failure.message`; redirects pass on.
 */
export function validatedActionFor<Identity, S extends z.ZodType, R>(
  identify: () => Promise<Identity>,
  schema: S,
  action: (input: z.output<S>, identity: Identity) => Promise<R>,
  failure: ActionOptions<Identity>,
) {
  // Both arguments are optional so that a button can call an action without input directly.
  return async (_previous?: unknown, form?: FormData): Promise<R | ActionError> => {
    const identity = await identify();
    try {
      failure.authorize?.(identity);
    } catch (error) {
      if (error instanceof AuthError) return { status: "error", message: error.message, code: error.code };
      throw error;
    }
    const parsed = schema.safeParse(form ? formFields(form) : {});
    if (!parsed.success) {
      return { status: "error", message: parsed.error.issues[0]?.message ?? "Check the form and try again." };
    }
    try {
      return await action(parsed.data, identity);
    } catch (error) {
      // redirect() and notFound() work by throwing; they are not failures.
      unstable_rethrow(error);
      if (error instanceof AuthError) return { status: "error", message: error.message, code: error.code };
      log.error(failure.event, { error: String(error) });
      return { status: "error", message: failure.message };
    }
  };
}

/**
 * A server action for the signed-in person's account (signed out: to sign-in; email not verified: to
 * the verify page), refused unless their role in the active team allows `options.permission`, with
 * its input parsed by `schema`; see {@link validatedActionFor}.
 */
export function validatedActionWithAccount<S extends z.ZodType, R>(
  schema: S,
  action: (input: z.output<S>, account: Account) => Promise<R>,
  options: AccountActionOptions,
) {
  return validatedActionFor(requireAccount, schema, action, {
    ...options,
    authorize: (account) => authorizeAccount(account, options.permission),
  });
}

/**
 * Refuses an account whose role in the active team does not allow `permission` (null: any member).
 *
 * @throws {PermissionDeniedError} ERR_PERMISSION_DENIED
 */
export function authorizeAccount(account: Pick<Account, "role">, permission: Permission | null): void {
  if (permission !== null && !can(account.role, permission)) {
    throw new PermissionDeniedError(account.role, permission);
  }
}

/**
 * A server action for a signed-in person who may have no account yet (an unverified email), with its
 * input parsed by `schema`; see {@link validatedActionFor}.
 */
export function validatedActionWithSession<S extends z.ZodType, R>(
  schema: S,
  action: (input: z.output<S>, session: SessionData) => Promise<R>,
  failure: ActionFailure,
) {
  return validatedActionFor(requireSession, schema, action, failure);
}

function formFields(form: FormData): Record<string, FormDataEntryValue | FormDataEntryValue[]> {
  const fields: Record<string, FormDataEntryValue | FormDataEntryValue[]> = {};
  for (const [key, value] of form.entries()) {
    const seen = fields[key];
    fields[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return fields;
}
