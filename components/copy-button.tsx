"use client";

import { toast } from "@/components/ui/toaster";

/** Copies `text` to the clipboard and says so in a toast (announced to screen readers too). */
export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  return (
    <button
      type="button"
      className="btn-secondary px-2 py-1 text-xs"
      onClick={() => {
        navigator.clipboard.writeText(text).then(
          () => toast({ title: "Copied to the clipboard" }),
          () =>
            toast({
              variant: "error",
              title: "Copy failed",
              description: "Your browser did not allow it: select the text and copy it yourself.",
            }),
        );
      }}
    >
      {label}
    </button>
  );
}
