import type { ComponentProps, ReactNode } from "react";
import { cn } from "./cn";

export type NoticeTone = "success" | "warning" | "error" | "info";

const boxed: Record<NoticeTone, string> = {
  success: "border-green-400 bg-green-50 text-green-950",
  warning: "border-amber-400 bg-amber-50 text-amber-950",
  error: "border-red-300 bg-red-50 text-red-900",
  info: "border-slate-300 bg-slate-50",
};

const bare: Record<NoticeTone, string> = {
  success: "text-green-900",
  warning: "text-amber-900",
  error: "text-red-900",
  info: "",
};

/**
 * A message in the page, coloured by its tone, with an optional `action` (a button or link) under it.
 * The caller chooses the `role`: "alert" for a refusal or a problem to see now, "status" for the
 * outcome of an action, none for a standing fact (screen readers announce the first two). `inline`
 * drops the box, for a line under a button or in a table cell.
 */
export function Notice({
  tone,
  inline = false,
  action,
  className,
  children,
  ...props
}: { tone: NoticeTone; inline?: boolean; action?: ReactNode; children: ReactNode } & ComponentProps<"div">) {
  return (
    <div className={cn(inline ? bare[tone] : cn("rounded-md border p-3", boxed[tone]), className)} {...props}>
      {children}
      {action && <div className="mt-3">{action}</div>}
    </div>
  );
}
