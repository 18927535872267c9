/**
 * Stripe's v1 request encoding: `application/x-www-form-urlencoded` with bracket notation
 * (`metadata[plan]=pro`, `items[0][price]=price_1`, `expand[]=customer`). The official SDK writes
 * arrays as indexed hashes (`expand[0]=...`); curl users write `expand[]=...`. Both parse here.
 * `qs` would do this, but stripe-node dropped its `qs` dependency (v20), so it is not installed.
 */

/** A decoded form value: a string leaf, an array or a nested object. */
export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

/** Names that would reach Object.prototype if used as keys. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Thrown for a key that is not valid bracket notation (Stripe answers 400 `parameter_invalid`). */
export class FormEncodingError extends Error {
  constructor(readonly param: string) {
    super(`Invalid parameter name: ${param}`);
  }
}

function splitKey(key: string): string[] {
  const open = key.indexOf("[");
  if (open === -1) return [key];
  const segments = [key.slice(0, open)];
  const rest = key.slice(open);
  const pattern = /\[([^[\]]*)\]/gy;
  let consumed = 0;
  for (let match = pattern.exec(rest); match; match = pattern.exec(rest)) {
    segments.push(match[1] ?? "");
    consumed = pattern.lastIndex;
  }
  if (consumed !== rest.length || segments[0] === "") throw new FormEncodingError(key);
  return segments;
}

const isIndex = (key: string) => /^(0|[1-9]\d{0,5})$/.test(key);

/** Objects whose keys are all array indexes become arrays, ordered by index. */
function normalize(value: FormValue): FormValue {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(normalize);
  const keys = Object.keys(value);
  if (keys.length > 0 && keys.every(isIndex)) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((index) => normalize(value[String(index)] as FormValue));
  }
  const out: FormObject = {};
  for (const key of keys) out[key] = normalize(value[key] as FormValue);
  return out;
}

/** Decodes a Stripe form body or query string into nested objects and arrays. */
export function parseStripeForm(encoded: string): FormObject {
  const root: FormObject = {};
  for (const [key, value] of new URLSearchParams(encoded)) {
    const segments = splitKey(key);
    if (segments.some((segment) => FORBIDDEN_KEYS.has(segment))) throw new FormEncodingError(key);
    let node: FormObject = root;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i] as string;
      const last = i === segments.length - 1;
      // `a[]` appends: give it the next free index so normalize() turns it into an array.
      const name = segment === "" ? String(Object.keys(node).filter(isIndex).length) : segment;
      if (last) {
        node[name] = value;
        break;
      }
      const existing = node[name];
      if (existing === undefined || typeof existing === "string" || Array.isArray(existing)) {
        const child: FormObject = {};
        node[name] = child;
        node = child;
      } else {
        node = existing;
      }
    }
  }
  return normalize(root) as FormObject;
}
