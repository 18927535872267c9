import { describe, expect, it } from "vitest";
import { DEFAULT_APP_PORT, localServicePorts, parseDevOptions } from "./dev-options";

describe("parseDevOptions", () => {
  it.each([
    [[], {}, 3000],
    [[], { PORT: "3100" }, 3100],
    [[], { PORT: "" }, 3000],
    [["-p", "3200"], { PORT: "3100" }, 3200],
    [["--port", "3200"], {}, 3200],
    [["--port=3200"], {}, 3200],
  ])("takes the port from %j and %j", (argv, env, port) => {
    expect(parseDevOptions(argv, env).port).toBe(port);
  });

  it("keeps its own flags and passes the rest to next dev", () => {
    expect(parseDevOptions(["--ephemeral", "-p", "3100", "--turbopack", "--skip-generate"], {})).toEqual({
      port: 3100,
      ephemeral: true,
      skipGenerate: true,
      nextArgs: ["--turbopack"],
    });
  });

  it.each([[["-p"]], [["-p", "abc"]], [["--port=0"]], [["-p", "70000"]], [["-p", "31.5"]]])(
    "refuses %j",
    (argv) => {
      expect(() => parseDevOptions(argv, {})).toThrow(/the port must be a number from 1 to 65535/);
    },
  );
});

describe("localServicePorts", () => {
  const configured = { TOLLGATE_LOCAL_ISSUER_URL: "http://localhost:4110/", TOLLGATE_LOCAL_STRIPE_URL: "" };

  it.each([
    ["the default port keeps 4010 and 4020 unless taken", DEFAULT_APP_PORT, {}, "configured-or-free"],
    ["another port takes free ones", 3100, {}, "free"],
  ])("%s", (_name, port, env, choice) => {
    expect(localServicePorts(port, env)).toEqual({ issuer: choice, stripe: choice, mail: choice });
  });

  it("keeps a configured address whatever the app's port", () => {
    expect(localServicePorts(3100, configured)).toEqual({
      issuer: "configured",
      stripe: "free",
      mail: "free",
    });
    expect(localServicePorts(DEFAULT_APP_PORT, configured)).toEqual({
      issuer: "configured",
      stripe: "configured-or-free",
      mail: "configured-or-free",
    });
    expect(localServicePorts(3100, { TOLLGATE_LOCAL_SMTP_URL: "smtp://localhost:4125" }).mail).toBe(
      "configured",
    );
  });
});
