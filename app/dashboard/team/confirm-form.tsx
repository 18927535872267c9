"use client";

import { useRef, type ReactNode } from "react";
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
import type { TeamChangeState } from "./actions";

/**
 * A team change that asks first (a role change, a removal, a withdrawn invitation): `children` are the
 * form's own fields (e.g. the new role), `fields` its hidden ones; the confirmation submits the form.
 */
export function ConfirmForm({
  action,
  fields,
  children,
  label,
  srLabel,
  title,
  description,
  confirmLabel,
  danger = false,
}: {
  action: (previous: TeamChangeState, form: FormData) => Promise<TeamChangeState>;
  fields: Record<string, string>;
  children?: ReactNode;
  label: string;
  /** Said after `label` to screen readers: whom the button is about. */
  srLabel: string;
  title: string;
  description: string;
  confirmLabel: string;
  danger?: boolean;
}) {
  const form = useRef<HTMLFormElement>(null);
  const [state, submit, pending] = useAnnouncedAction(action, {
    done: (result) => ({ title: "Done", description: result.message }),
    failed: "Nothing changed",
  });
  return (
    <form ref={form} action={submit} className="inline-flex flex-wrap items-center gap-2">
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {children}
      <AlertDialog>
        <AlertDialogTrigger
          className={danger ? "btn-danger" : "btn-secondary"}
          disabled={pending}
          aria-disabled={pending}
        >
          {pending ? "Working…" : label}
          <span className="sr-only"> {srLabel}</span>
        </AlertDialogTrigger>
        <AlertDialogContent>
          <AlertDialogTitle>{title}</AlertDialogTitle>
          <AlertDialogDescription>{description}</AlertDialogDescription>
          <AlertDialogFooter>
            <AlertDialogCancel>Cancel</AlertDialogCancel>
            <AlertDialogAction onClick={() => form.current?.requestSubmit()}>
              {confirmLabel}
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
      {state.status !== "idle" && (
        <Notice
          tone={state.status === "error" ? "error" : "success"}
          role={state.status === "error" ? "alert" : "status"}
          inline
          className="text-xs"
          data-code={state.status === "error" ? state.code : undefined}
        >
          {state.message}
        </Notice>
      )}
    </form>
  );
}
