"use client";

import { useState } from "react";

/** Copies `text` to the clipboard and announces the result to screen readers. */
export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<"idle" | "done" | "failed">("idle");
  return (
    <>
      <button
        type="button"
        className="btn-secondary px-2 py-1 text-xs"
        onClick={() => {
          navigator.clipboard.writeText(text).then(
            () => setCopied("done"),
            () => setCopied("failed"),
          );
        }}
      >
        {label}
      </button>
      <span role="status" className="ml-2 text-xs text-slate-600">
        {copied === "done" ? "Copied" : copied === "failed" ? "Copy failed: select the text instead" : ""}
      </span>
    </>
  );
}
