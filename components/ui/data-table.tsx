import type { ComponentProps, ReactNode } from "react";
import { cn } from "./cn";

/** A column heading; `hidden` ones are read by screen readers only (an actions column). */
export type Column = string | { label: string; hidden: true };

/**
 * A table in the dashboard's and the reference's style: scrolls sideways on narrow screens, column
 * headings with `scope="col"`, and the rows given as children (a `<tbody>`). `dense` tightens the
 * vertical padding of the headings; rows pad their own cells.
 */
export function DataTable({
  columns,
  dense = false,
  className,
  children,
  ...props
}: { columns: readonly Column[]; dense?: boolean; children: ReactNode } & ComponentProps<"table">) {
  return (
    <div className={cn("overflow-x-auto", className)}>
      <table className="w-full text-left text-sm" {...props}>
        <thead className="border-b border-slate-200 text-slate-700">
          <tr>
            {columns.map((column, index) => {
              const label = typeof column === "string" ? column : column.label;
              return (
                <th key={label} scope="col" className={cellClass(dense, index === columns.length - 1)}>
                  {typeof column === "string" ? label : <span className="sr-only">{label}</span>}
                </th>
              );
            })}
          </tr>
        </thead>
        {children}
      </table>
    </div>
  );
}

/** A cell's padding: a gap to the next column unless it is the last. */
function cellClass(dense: boolean, last: boolean): string {
  return cn(dense ? "py-1.5" : "py-2", !last && "pr-4");
}
