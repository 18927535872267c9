/**
 * Whether `path` is a safe `returnTo`: a path on this origin. Refuses absolute URLs, scheme-relative
 * `//host` and `/\host` (browsers treat a backslash as a slash), and control characters.
 *
 * @example isSameOriginPath("/dashboard/api") // true; isSameOriginPath("//evil.example") // false
 */
export function isSameOriginPath(path: string): boolean {
  return /^\/(?![/\\])/.test(path) && !/[\u0000-\u001f\u007f]/.test(path);
}

/** The sign-in URL that comes back to `returnTo` when it is a same-origin path, else to /dashboard. */
export function signInUrl(returnTo: string): string {
  const target = isSameOriginPath(returnTo) ? returnTo : "/dashboard";
  return `/auth/login?returnTo=${encodeURIComponent(target)}`;
}
