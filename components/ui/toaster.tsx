"use client";

import { useSyncExternalStore } from "react";
import {
  Toast,
  ToastClose,
  ToastDescription,
  ToastProvider,
  ToastTitle,
  ToastViewport,
  type ToastVariant,
} from "./toast";

/** What a toast says: a short title, optionally a sentence more. */
export interface ToastMessage {
  title: string;
  description?: string;
  variant?: ToastVariant;
}

interface ShownToast extends ToastMessage {
  id: number;
}

/** At most this many toasts at once; older ones make room. */
const MAX_TOASTS = 3;

// A store outside React, as shadcn/ui's use-toast keeps one: <Toaster> sits beside the page rather than
// around it. A provider around the page would change context when Radix's viewport mounts, and React
// answers a context change above a Suspense boundary that is still streaming by throwing the server's
// HTML away and rendering the page again in the browser.
let shown: readonly ShownToast[] = [];
let nextId = 0;
const listeners = new Set<() => void>();
const NONE: readonly ShownToast[] = [];

function publish(next: readonly ShownToast[]): void {
  shown = next;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Shows a toast for the result of an action: `toast({ title: "Copied" })`, or `{ variant: "error", ... }`
 * for a failure. Call it from event handlers and actions in the browser.
 */
export function toast(message: ToastMessage): void {
  publish([...shown.slice(-(MAX_TOASTS - 1)), { ...message, id: nextId++ }]);
}

function dismiss(id: number): void {
  publish(shown.filter((item) => item.id !== id));
}

/**
 * The page's toast region (Radix Toast: announced to screen readers, F8 to reach it, swipe or Escape to
 * dismiss). Rendered once, in the root layout.
 */
export function Toaster() {
  const toasts = useSyncExternalStore(
    subscribe,
    () => shown,
    () => NONE,
  );
  return (
    <ToastProvider label="Notifications" duration={6000}>
      {toasts.map((item) => (
        <Toast
          key={item.id}
          variant={item.variant}
          // Errors interrupt a screen reader (assertive); successes wait their turn (polite).
          type={item.variant === "error" ? "foreground" : "background"}
          duration={item.variant === "error" ? 10_000 : undefined}
          onOpenChange={(open) => {
            if (!open) dismiss(item.id);
          }}
        >
          <div>
            <ToastTitle>{item.title}</ToastTitle>
            {item.description && <ToastDescription>{item.description}</ToastDescription>}
          </div>
          <ToastClose />
        </Toast>
      ))}
      <ToastViewport />
    </ToastProvider>
  );
}
