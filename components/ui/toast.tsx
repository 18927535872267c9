"use client";

import type { ComponentProps } from "react";
import { Toast as ToastPrimitive } from "radix-ui";
import { cn } from "./cn";

// shadcn/ui-style wrappers over Radix Toast: the primitives with our Tailwind classes. Use them through
// `toast()` and `<Toaster>` (components/ui/toaster.tsx) rather than directly.

export const ToastProvider = ToastPrimitive.Provider;

/** Where toasts appear: bottom right on wide screens, across the bottom on phones. */
export function ToastViewport({ className, ...props }: ComponentProps<typeof ToastPrimitive.Viewport>) {
  return (
    <ToastPrimitive.Viewport
      className={cn(
        "fixed right-0 bottom-0 z-50 m-0 flex w-full max-w-sm list-none flex-col gap-2 p-4 outline-none",
        className,
      )}
      {...props}
    />
  );
}

export type ToastVariant = "success" | "error";

const variants: Record<ToastVariant, string> = {
  success: "border-green-300 bg-white text-slate-900",
  error: "border-red-300 bg-red-50 text-red-950",
};

export function Toast({
  className,
  variant = "success",
  ...props
}: ComponentProps<typeof ToastPrimitive.Root> & { variant?: ToastVariant }) {
  return (
    <ToastPrimitive.Root
      className={cn(
        "flex items-start gap-3 rounded-lg border p-4 shadow-lg data-[state=closed]:hidden",
        variants[variant],
        className,
      )}
      {...props}
    />
  );
}

export function ToastTitle({ className, ...props }: ComponentProps<typeof ToastPrimitive.Title>) {
  return <ToastPrimitive.Title className={cn("text-sm font-semibold", className)} {...props} />;
}

export function ToastDescription({ className, ...props }: ComponentProps<typeof ToastPrimitive.Description>) {
  return <ToastPrimitive.Description className={cn("mt-1 text-sm", className)} {...props} />;
}

export function ToastClose({ className, ...props }: ComponentProps<typeof ToastPrimitive.Close>) {
  return (
    <ToastPrimitive.Close
      aria-label="Dismiss"
      className={cn(
        "ml-auto rounded px-1.5 text-lg leading-none text-slate-600 hover:bg-slate-100 hover:text-slate-900",
        className,
      )}
      {...props}
    >
      <span aria-hidden="true">×</span>
    </ToastPrimitive.Close>
  );
}
