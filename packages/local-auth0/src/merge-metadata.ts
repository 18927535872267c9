/**
 * Auth0's update rule for `app_metadata` and `user_metadata` (PATCH /api/v2/users/{id}): top-level
 * properties of the patch replace the stored ones (objects are not merged deeper), and a `null` value
 * removes the property. https://auth0.com/docs/manage-users/user-accounts/metadata/manage-metadata-api
 */
export function mergeMetadata(
  current: Readonly<Record<string, unknown>>,
  patch: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}
