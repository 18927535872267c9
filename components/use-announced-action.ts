"use client";

import { useActionState } from "react";
import { toast, type ToastMessage } from "@/components/ui/toaster";
import type { ActionState } from "@/lib/auth/validated-action";

/** How a form's result is told in a toast: `done` words a success, `failed` titles a refusal. */
export interface Announcement<Done> {
  done: (result: Done) => ToastMessage;
  /** The refusal's toast title; its description is the action's own message. */
  failed: string;
}

/**
 * `useActionState` for a dashboard form whose result is also told in a toast, beside what the form
 * shows inline: the toast reaches people who scrolled away or use a screen reader (Radix announces it).
 * Starts idle, as every dashboard form does.
 */
export function useAnnouncedAction<Done extends { status: string }>(
  action: (previous: ActionState<Done>, form: FormData) => Promise<ActionState<Done>>,
  announcement: Announcement<Done>,
) {
  return useActionState<ActionState<Done>, FormData>(
    async (previous, form) => {
      const next = await action(previous, form);
      if (next.status === "error") {
        toast({
          variant: "error",
          title: announcement.failed,
          description: (next as { message: string }).message,
        });
      } else if (next.status !== "idle") {
        toast(announcement.done(next as Done));
      }
      return next;
    },
    { status: "idle" },
  );
}
