"use client";

import { useActionState, useRef } from "react";
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
import { toast } from "@/components/ui/toaster";
import { revokeClientAction, type RevokeClientState } from "./actions";

/**
 * Revokes one machine client after asking (it cannot be undone: its tokens stop working at once). The
 * id travels in the row's form, which the confirmation submits; the result is inline and in a toast.
 */
export function RevokeButton({ id, name }: { id: string; name: string }) {
  const form = useRef<HTMLFormElement>(null);
  const [state, action, pending] = useActionState<RevokeClientState, FormData>(
    async (previous, data) => {
      const next = await revokeClientAction(previous, data);
      if (next.status === "revoked") toast({ title: "Client revoked", description: next.message });
      if (next.status === "error") {
        toast({ variant: "error", title: "The client was not revoked", description: next.message });
      }
      return next;
    },
    { status: "idle" },
  );
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
          <AlertDialogDescription>
            Its access tokens stop working at once and it can get no new ones. Programs that use it will fail
            until you give them another client. This cannot be undone.
          </AlertDialogDescription>
          <AlertDialogFooter>
            <AlertDialogCancel>Keep it</AlertDialogCancel>
            <AlertDialogAction onClick={() => form.current?.requestSubmit()}>Revoke client</AlertDialogAction>
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
