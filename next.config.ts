import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // PGlite ships its Postgres as WebAssembly plus data files it loads from its own folder, and pg
  // loads optional native bindings: load them from node_modules instead of bundling them.
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "pg"],
};

export default nextConfig;
