import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";
import { defineConfig, globalIgnores } from "eslint/config";

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  globalIgnores([
    ".next/**",
    ".data/**",
    "lib/generated/**",
    "next-env.d.ts",
    "test-results/**",
    "playwright-report/**",
  ]),
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/ban-ts-comment": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // lib/config is the only reader of process.env (DESIGN.md, module boundaries); dev/, scripts,
    // tests and configs run outside the app and read their own knobs.
    files: ["app/**/*.{ts,tsx}", "lib/**/*.ts", "product/**/*.ts", "proxy.ts"],
    ignores: ["lib/config/**"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read configuration through lib/config." },
      ],
    },
  },
  {
    // The local stand-ins are packages of their own: they know nothing of the app that uses them.
    files: ["packages/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@/*", "../../*"],
              message: "A package imports only its own files, other packages and its dependencies.",
            },
          ],
        },
      ],
    },
  },
  {
    // The local stand-ins serve `npm run dev` and the tests; the app talks to them only over HTTP, as it
    // talks to Auth0 and Stripe, so that the same code path serves both.
    files: ["app/**/*.{ts,tsx}", "lib/**/*.ts", "product/**/*.ts", "components/**/*.tsx", "proxy.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@/dev/*", "**/dev/*", "@tollgate/*"],
              message: "app/, lib/ and product/ never import the local stand-ins.",
            },
          ],
        },
      ],
    },
  },
]);
