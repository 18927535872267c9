/**
 * Joins class names, skipping falsy ones. shadcn/ui uses clsx + tailwind-merge here; our wrappers never
 * pass conflicting utilities, so a plain join does and saves two dependencies.
 */
export function cn(...classes: (string | false | null | undefined)[]): string {
  return classes.filter(Boolean).join(" ");
}
