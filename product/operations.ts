import { z } from "zod";
import { Catalog, defineOperation } from "@/lib/api/catalog";
import { API_UNITS } from "./meters";

/**
 * The demo API product: widgets a customer stores, and a render operation priced by output size.
 * Replace these with your own product; the gate, metering, plans, OpenAPI document, the local issuer's
 * demo roles and clients, and the tests' scope lists all follow the declarations here.
 * `npm run new:operation -- <name>` adds one (README, "Make it your API").
 */

/** The meter every demo operation counts against (a Stripe Billing Meter's `event_name`). */
export const API_CALLS_METER = API_UNITS.eventName;

/**
 * How the dashboard, the pricing page, Auth0 and Stripe name a scope. Optional: a scope missing here
 * is named from itself ("export:reports" reads "Export reports").
 */
export const SCOPE_NAMES: Readonly<Record<string, string>> = {
  "get:widgets": "Read widgets",
  "create:widgets": "Create widgets",
  "delete:widgets": "Delete widgets",
  "render:widgets": "Render widgets",
  "read:usage": "Read usage",
};

const none = z.object({}).strict();
const noBody = z.undefined();
const widgetId = z.object({ id: z.uuid().describe("The widget's id.") });

export const Widget = z
  .object({
    id: z.uuid(),
    name: z.string(),
    color: z.string().describe("CSS hex color, e.g. #4338ca."),
    size_cm: z.int(),
    created_at: z.iso.datetime(),
  })
  .meta({ id: "Widget" });

export const NewWidget = z
  .object({
    name: z.string().trim().min(1).max(80),
    color: z
      .string()
      .regex(/^#[0-9a-f]{6}$/i, "a hex color such as #4338ca")
      .default("#4338ca"),
    size_cm: z.int().min(1).max(1000),
  })
  .strict()
  .meta({ id: "NewWidget" });

export const RenderRequest = z
  .object({
    width: z.int().min(16).max(4096).describe("Output width in pixels."),
    height: z.int().min(16).max(4096).describe("Output height in pixels."),
  })
  .strict()
  .meta({ id: "RenderRequest" });

/** Pixels one unit buys when rendering: a quarter megapixel. */
export const PIXELS_PER_RENDER_UNIT = 250_000;

export const listWidgets = defineOperation({
  id: "listWidgets",
  method: "GET",
  path: "/api/v1/widgets",
  summary: "List your widgets, newest first",
  tag: "Widgets",
  scopes: { allOf: ["get:widgets"] },
  cost: { meter: API_CALLS_METER, units: 1 },
  params: none,
  query: z
    .object({
      limit: z.coerce.number().int().min(1).max(100).default(20).describe("Page size, 1 to 100."),
      cursor: z.uuid().optional().describe("`next_cursor` of the previous page."),
    })
    .strict(),
  body: noBody,
  response: {
    status: 200,
    schema: z.object({ data: z.array(Widget), next_cursor: z.uuid().nullable() }).meta({ id: "WidgetList" }),
  },
});

export const createWidget = defineOperation({
  id: "createWidget",
  method: "POST",
  path: "/api/v1/widgets",
  summary: "Create a widget",
  tag: "Widgets",
  scopes: { allOf: ["create:widgets"] },
  cost: { meter: API_CALLS_METER, units: 1 },
  params: none,
  query: none,
  body: NewWidget,
  response: { status: 201, schema: Widget },
});

export const getWidget = defineOperation({
  id: "getWidget",
  method: "GET",
  path: "/api/v1/widgets/{id}",
  summary: "Get one of your widgets",
  tag: "Widgets",
  scopes: { allOf: ["get:widgets"] },
  cost: { meter: API_CALLS_METER, units: 1 },
  params: widgetId,
  query: none,
  body: noBody,
  response: { status: 200, schema: Widget },
});

export const deleteWidget = defineOperation({
  id: "deleteWidget",
  method: "DELETE",
  path: "/api/v1/widgets/{id}",
  summary: "Delete one of your widgets",
  tag: "Widgets",
  scopes: { allOf: ["delete:widgets"] },
  cost: { meter: API_CALLS_METER, units: 1 },
  params: widgetId,
  query: none,
  body: noBody,
  response: { status: 204, schema: z.null() },
});

export const renderWidget = defineOperation({
  id: "renderWidget",
  method: "POST",
  path: "/api/v1/widgets/{id}/render",
  summary: "Render a widget as an SVG badge",
  description: `Costs one unit per started ${PIXELS_PER_RENDER_UNIT.toLocaleString("en")} pixels of output.`,
  tag: "Widgets",
  scopes: { allOf: ["render:widgets"] },
  cost: {
    meter: API_CALLS_METER,
    units: ({ body }) => Math.ceil((body.width * body.height) / PIXELS_PER_RENDER_UNIT),
  },
  params: widgetId,
  query: none,
  body: RenderRequest,
  response: {
    status: 200,
    schema: z
      .object({ svg: z.string(), width: z.int(), height: z.int(), units: z.int() })
      .meta({ id: "Rendering" }),
  },
});

export const getCaller = defineOperation({
  id: "getCaller",
  method: "GET",
  path: "/api/v1/me",
  summary: "Who is calling: the token's subject, scopes and customer",
  description: "Any valid access token for this API may call it; it is free. Use it to check credentials.",
  tag: "Account",
  scopes: { allOf: [] },
  cost: { meter: API_CALLS_METER, units: 0 },
  params: none,
  query: none,
  body: noBody,
  response: {
    status: 200,
    schema: z
      .object({
        subject: z.string(),
        kind: z.enum(["person", "machine", "key"]),
        client_id: z.string().nullable(),
        customer_id: z.uuid(),
        scopes: z.array(z.string()),
      })
      .meta({ id: "Caller" }),
  },
});

/** Days of usage one `getUsage` call may ask for: a quarter, so an answer stays a few thousand rows. */
export const MAX_USAGE_DAYS = 93;
const DAY_MS = 86_400_000;

const UsageDay = z.object({
  date: z.iso.date().describe("The UTC day."),
  meter: z.string(),
  units: z.int(),
});

const CredentialUsage = z.object({
  credential: z.string().describe("`key:<id>`, `client:<client id>` or `user:<Auth0 user id>`."),
  kind: z.enum(["key", "client", "user"]),
  id: z.string(),
  name: z.string().nullable().describe("The key's or client's name, or the person's; null when deleted."),
  prefix: z.string().nullable().describe("An API key's visible start; null for clients and people."),
  revoked: z.boolean(),
  meter: z.string(),
  units: z.int(),
});

const usageRange = { from: z.iso.date(), to: z.iso.date(), total_units: z.int() };

export const getUsage = defineOperation({
  id: "getUsage",
  method: "GET",
  path: "/api/v1/usage",
  summary: "Your usage, by day or by API key and client",
  description:
    `Units per meter and UTC day (\`group_by=day\`, from the billed counters: what invoices count) or per ` +
    `credential (\`group_by=key\`: API keys, machine clients and people, revoked ones included), over ` +
    `\`from\` to \`to\` (UTC days, both included, at most ${MAX_USAGE_DAYS}). Without them: the current ` +
    `billing period up to today. Days and credentials without usage are left out. Calling it is free.`,
  tag: "Usage",
  scopes: { allOf: ["read:usage"] },
  cost: { meter: API_CALLS_METER, units: 0 },
  params: none,
  query: z
    .object({
      from: z.iso.date().optional().describe("First UTC day, YYYY-MM-DD; give `to` too."),
      to: z.iso.date().optional().describe("Last UTC day, YYYY-MM-DD, included; give `from` too."),
      group_by: z.enum(["day", "key"]).default("day").describe("`day` (default) or `key`."),
    })
    .strict()
    .superRefine(({ from, to }, context) => {
      if ((from === undefined) !== (to === undefined)) {
        context.addIssue({
          code: "custom",
          path: [from === undefined ? "from" : "to"],
          message: "give both from and to, or neither for the current billing period",
        });
      } else if (from !== undefined && to !== undefined) {
        const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
        if (days < 1) context.addIssue({ code: "custom", path: ["to"], message: "to is before from" });
        else if (days > MAX_USAGE_DAYS) {
          context.addIssue({
            code: "custom",
            path: ["to"],
            message: `the range is ${days} days; ask for ${MAX_USAGE_DAYS} at most`,
          });
        }
      }
    }),
  body: noBody,
  response: {
    status: 200,
    schema: z
      .discriminatedUnion("group_by", [
        z
          .object({ group_by: z.literal("day"), ...usageRange, data: z.array(UsageDay) })
          .meta({ id: "UsageByDay" }),
        z
          .object({ group_by: z.literal("key"), ...usageRange, data: z.array(CredentialUsage) })
          .meta({ id: "UsageByKey" }),
      ])
      .meta({ id: "Usage" }),
  },
});

/** Every operation of the API. */
export const catalog = new Catalog([
  getCaller,
  listWidgets,
  createWidget,
  getWidget,
  deleteWidget,
  renderWidget,
  getUsage,
]);
