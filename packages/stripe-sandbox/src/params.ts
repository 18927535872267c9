import { invalidParam, missingParam } from "./errors";
import type { FormObject, FormValue } from "./form-encoding";
import type { Metadata } from "./objects";

/**
 * Typed reads of a decoded form body, failing with the error Stripe sends for the same mistake and
 * naming the parameter in Stripe's bracket notation (`line_items[1][quantity]`).
 */
export class Params {
  constructor(
    readonly raw: FormObject,
    private readonly prefix = "",
  ) {}

  /** The bracket-notation name of a field of this object. */
  name(field: string): string {
    return this.prefix ? `${this.prefix}[${field}]` : field;
  }

  has(field: string): boolean {
    return this.raw[field] !== undefined;
  }

  string(field: string): string | undefined {
    const value = this.raw[field];
    if (value === undefined) return undefined;
    if (typeof value !== "string")
      throw invalidParam(this.name(field), `Invalid string: ${this.name(field)}`, "parameter_invalid_string");
    return value;
  }

  requiredString(field: string): string {
    const value = this.string(field);
    if (value === undefined || value === "") throw missingParam(this.name(field));
    return value;
  }

  /** A string that may be unset with `''` (Stripe's "emptyable"): `null` means "unset". */
  nullableString(field: string): string | null | undefined {
    const value = this.string(field);
    return value === "" ? null : value;
  }

  enum<T extends string>(field: string, allowed: readonly T[]): T | undefined {
    const value = this.string(field);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw invalidParam(
        this.name(field),
        `Invalid ${this.name(field)}: must be one of ${allowed.join(", ")}`,
        "parameter_invalid",
      );
    }
    return value as T;
  }

  int(field: string): number | undefined {
    const value = this.string(field);
    if (value === undefined || value === "") return undefined;
    if (!/^-?\d+$/.test(value))
      throw invalidParam(this.name(field), `Invalid integer: ${value}`, "parameter_invalid_integer");
    return Number(value);
  }

  requiredInt(field: string): number {
    const value = this.int(field);
    if (value === undefined) throw missingParam(this.name(field));
    return value;
  }

  decimal(field: string): string | undefined {
    const value = this.string(field);
    if (value === undefined || value === "") return undefined;
    if (!/^-?\d+(\.\d+)?$/.test(value))
      throw invalidParam(this.name(field), `Invalid decimal: ${value}`, "parameter_invalid_decimal");
    return value;
  }

  bool(field: string): boolean | undefined {
    const value = this.string(field);
    if (value === undefined) return undefined;
    if (value !== "true" && value !== "false")
      throw invalidParam(this.name(field), `Invalid boolean: ${value}`, "parameter_invalid_boolean");
    return value === "true";
  }

  object(field: string): Params | undefined {
    const value = this.raw[field];
    if (value === undefined || value === "") return undefined;
    if (typeof value === "string" || Array.isArray(value)) {
      throw invalidParam(this.name(field), `Invalid object: ${this.name(field)}`, "parameter_invalid");
    }
    return new Params(value, this.name(field));
  }

  /** An array of objects (`items[0][price]=...`). */
  objects(field: string): Params[] {
    return this.values(field).map((value, index) => {
      const name = `${this.name(field)}[${index}]`;
      if (typeof value === "string" || Array.isArray(value))
        throw invalidParam(name, `Invalid object: ${name}`);
      return new Params(value, name);
    });
  }

  /** An array of strings (`expand[0]=customer`, `lookup_keys[]=pro`). */
  strings(field: string): string[] {
    return this.values(field).map((value, index) => {
      if (typeof value !== "string")
        throw invalidParam(`${this.name(field)}[${index}]`, "Invalid string array");
      return value;
    });
  }

  private values(field: string): FormValue[] {
    const value = this.raw[field];
    if (value === undefined || value === "") return [];
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return value;
    throw invalidParam(this.name(field), `Invalid array: ${this.name(field)}`, "parameter_invalid");
  }

  /**
   * Metadata as Stripe merges it: `metadata[k]=v` sets, `metadata[k]=` deletes a key, `metadata=`
   * clears all. Returns the merged result, or `undefined` when the request did not touch metadata.
   */
  metadata(current: Metadata = {}, field = "metadata"): Metadata | undefined {
    const value = this.raw[field];
    if (value === undefined) return undefined;
    if (value === "") return {};
    if (typeof value === "string" || Array.isArray(value))
      throw invalidParam(this.name(field), "Invalid hash");
    const merged: Metadata = { ...current };
    for (const [key, entry] of Object.entries(value)) {
      if (typeof entry !== "string") throw invalidParam(`${this.name(field)}[${key}]`, "Invalid string");
      if (key.length > 40)
        throw invalidParam(`${this.name(field)}[${key}]`, "Metadata keys can have at most 40 characters.");
      if (entry.length > 500)
        throw invalidParam(`${this.name(field)}[${key}]`, "Metadata values can have at most 500 characters.");
      if (entry === "") delete merged[key];
      else merged[key] = entry;
    }
    if (Object.keys(merged).length > 50)
      throw invalidParam(this.name(field), "You can have at most 50 metadata keys.");
    return merged;
  }
}
