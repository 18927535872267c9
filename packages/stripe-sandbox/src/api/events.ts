/** The event log: v1 events (webhooks' bodies) and v2 events (meter error reports). */
import { matchesRange, newestFirst, paginate } from "../lists";
import { retrieveV2Event } from "../meter-error-reports";
import { route, type ApiRoute, type V2Route } from "./route";

export const eventRoutes: ApiRoute[] = [
  // GET /v1/events – list events (type, types[], created)
  route("GET", "/v1/events", ({ engine, params }) => {
    const type = params.string("type");
    const types = params.strings("types");
    const pattern = type?.includes("*")
      ? new RegExp(`^${type.replace(/\./g, "\\.").replace(/\*/g, ".*")}$`)
      : undefined;
    const events = newestFirst(engine.state.events.values()).filter(
      (event) =>
        (type === undefined || (pattern ? pattern.test(event.type) : event.type === type)) &&
        (types.length === 0 || types.includes(event.type)) &&
        matchesRange(event.created, params),
    );
    return paginate(events, params, "/v1/events", "event");
  }),
];

export const v2EventRoutes: V2Route[] = [
  // GET /v2/core/events/:id – a whole v2 event (secret keys only)
  route("GET", "/v2/core/events/:id", {
    auth: "secret_key",
    handler: (engine, _body, path) => retrieveV2Event(engine, path.id ?? ""),
  }),
];
