/** A scope a client or key may be given, with its readable name. */
export interface ScopeChoice {
  value: string;
  label: string;
}

/** The scopes a new client or API key is created with: every one the plan grants, checked. */
export function ScopeFieldset({ scopes }: { scopes: readonly ScopeChoice[] }) {
  return (
    <fieldset>
      <legend className="text-sm font-medium">Scopes</legend>
      <div className="mt-1 flex flex-wrap gap-x-5 gap-y-1">
        {scopes.map((scope) => (
          <label key={scope.value} className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="scopes" value={scope.value} defaultChecked />
            <code className="font-mono">{scope.value}</code>
            <span className="text-slate-600">({scope.label})</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
