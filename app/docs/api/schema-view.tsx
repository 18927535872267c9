import { Fragment, type ReactNode } from "react";
import { constraintsOf, typeLabel, type JsonSchema, type TypeLabel } from "./reference";

/** The anchor of a component schema's table on the page. */
export const schemaAnchor = (name: string) => `schema-${name}`;

/** A schema's type, with named schemas linked to their tables. */
export function SchemaType({ schema }: { schema: JsonSchema }) {
  return <Label label={typeLabel(schema)} />;
}

function Label({ label }: { label: TypeLabel }): ReactNode {
  switch (label.kind) {
    case "ref":
      return <a href={`#${schemaAnchor(label.name)}`}>{label.name}</a>;
    case "array":
      return (
        <>
          array of <Label label={label.items} />
        </>
      );
    case "union":
      return label.options.map((option, index) => (
        <Fragment key={index}>
          {index > 0 && " or "}
          <Label label={option} />
        </Fragment>
      ));
    case "plain":
      return <code className="font-mono">{label.text}</code>;
  }
}

/** Text with `backticks` shown as code, as the OpenAPI descriptions write it. */
export function InlineText({ text }: { text: string }) {
  return text.split(/(`[^`]+`)/).map((part, index) =>
    part.startsWith("`") && part.endsWith("`") && part.length > 1 ? (
      <code key={index} className="font-mono">
        {part.slice(1, -1)}
      </code>
    ) : (
      <Fragment key={index}>{part}</Fragment>
    ),
  );
}

/** A named object schema as a table of its properties. */
export function SchemaTable({ name, schema }: { name: string; schema: JsonSchema }) {
  const properties = (
    typeof schema.properties === "object" && schema.properties !== null ? schema.properties : {}
  ) as Record<string, JsonSchema>;
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  return (
    <section
      id={schemaAnchor(name)}
      aria-labelledby={`${schemaAnchor(name)}-heading`}
      className="scroll-mt-4"
    >
      <h3 id={`${schemaAnchor(name)}-heading`} className="font-mono text-base font-semibold">
        {name}
      </h3>
      {typeof schema.description === "string" && <p className="muted">{schema.description}</p>}
      <div className="mt-2 overflow-x-auto">
        <table className="w-full min-w-[36rem] table-fixed text-left text-sm">
          <thead className="border-b border-slate-200 text-slate-700">
            <tr>
              <th scope="col" className="w-1/5 py-1.5 pr-4">
                Property
              </th>
              <th scope="col" className="w-1/4 py-1.5 pr-4">
                Type
              </th>
              <th scope="col" className="py-1.5">
                Notes
              </th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(properties).map(([property, propertySchema]) => (
              <tr key={property} className="border-b border-slate-100 align-top">
                <td className="py-1.5 pr-4">
                  <code className="font-mono">{property}</code>
                </td>
                <td className="py-1.5 pr-4">
                  <SchemaType schema={propertySchema} />
                </td>
                <td className="py-1.5">
                  <Notes schema={propertySchema} required={required.has(property)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {schema.additionalProperties === false && <p className="muted mt-1">No other properties.</p>}
    </section>
  );
}

/** Required or optional, the description and the constraints of one field. */
export function Notes({ schema, required }: { schema: JsonSchema; required: boolean }) {
  const notes = constraintsOf(schema);
  return (
    <>
      <span className={required ? "font-medium" : "text-slate-600"}>
        {required ? "required" : "optional"}
      </span>
      {typeof schema.description === "string" && (
        <>
          {". "}
          <InlineText text={schema.description} />
        </>
      )}
      {notes.length > 0 && <span className="text-slate-600">{` (${notes.join(", ")})`}</span>}
    </>
  );
}
