"use client";

import { useRef } from "react";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Notice } from "@/components/ui/notice";
import { useAnnouncedAction } from "@/components/use-announced-action";
import { revokeClientAction, revokeKeyAction } from "./actions";

/** What is revoked: a machine client (Auth0) or an API key, in the words the dialog uses. */
const KINDS = {
  client: {
    action: revokeClientAction,
    noun: "client",
    Noun: "Client",
    effect:
      "Its access tokens stop working at once and it can get no new ones. Programs that use it will fail until you give them another client.",
  },
  key: {
    action: revokeKeyAction,
    noun: "key",
    Noun: "Key",
    effect:
      "Calls with it are refused from the next one on. Programs that use it will fail until you give them another key.",
  },
} as const;

/**
 * Revokes one machine client or API key after asking (it cannot be undone: it stops working at once).
 * The id travels in the row's form, which the confirmation submits; the result is inline and in a toast.
 */
export function RevokeButton({
  id,
  name,
  kind = "client",
}: {
  id: string;
  name: string;
  kind?: "client" | "key";
}) {
  const form = useRef<HTMLFormElement>(null);
  const words = KINDS[kind];
  const [state, action, pending] = useAnnouncedAction(words.action, {
    done: (result) => ({ title: `${words.Noun} revoked`, description: result.message }),
    failed: `The ${words.noun} was not revoked`,
  });
  return (
    <form ref={form} action={action} className="inline">
      <input type="hidden" name="id" value={id} />
      <AlertDialog>
        <AlertDialogTrigger className="btn-danger" disabled={pending} aria-disabled={pending}>
          {pending ? "Revoking…" : "Revoke"}
          <span className="sr-only"> {name}</span>
        </AlertDialogTrigger>
        <AlertDialogContent>
          <AlertDialogTitle>Revoke {name}?</AlertDialogTitle>
          <AlertDialogDescription>{words.effect} This cannot be undone.</AlertDialogDescription>
          <AlertDialogFooter>
            <AlertDialogCancel>Keep it</AlertDialogCancel>
            <AlertDialogAction onClick={() => form.current?.requestSubmit()}>
              Revoke {words.noun}
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
      {state.status !== "idle" && (
        <Notice
          tone={state.status === "error" ? "error" : "success"}
          role={state.status === "error" ? "alert" : "status"}
          inline
          className="mt-1 text-xs"
        >
          {state.message}
        </Notice>
      )}
    </form>
  );
}
