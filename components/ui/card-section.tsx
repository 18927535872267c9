import type { ReactNode } from "react";
import { cn } from "./cn";

/**
 * A dashboard card: a `<section>` named by its `<h2>` (`headingId`), so screen readers list it as a
 * region with that title.
 */
export function CardSection({
  headingId,
  title,
  className,
  children,
}: {
  headingId: string;
  title: ReactNode;
  className?: string;
  children: ReactNode;
}) {
  return (
    <section aria-labelledby={headingId} className={cn("card", className)}>
      <h2 id={headingId} className="text-lg font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}
