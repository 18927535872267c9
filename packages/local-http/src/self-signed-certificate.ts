import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A certificate for some host names and 127.0.0.1, its key, and the file a client trusts it through. */
export interface SelfSignedCertificate {
  key: string;
  cert: string;
  /** The certificate as a PEM file, for NODE_EXTRA_CA_CERTS. */
  certFile: string;
  /** Removes the files. */
  remove(): void;
}

/**
 * Makes a throw-away self-signed certificate for `hosts` (default localhost) and 127.0.0.1 with the
 * `openssl` CLI (Node can sign
 * X.509 certificates only through a library, and none is installed; openssl is on every CI image).
 * It is its own CA, so a Node process trusts it with NODE_EXTRA_CA_CERTS=certFile.
 *
 * @throws {Error} when openssl is not installed.
 */
export function selfSignedCertificate(hosts: readonly string[] = ["localhost"]): SelfSignedCertificate {
  const dir = mkdtempSync(join(tmpdir(), "tollgate-tls-"));
  const keyFile = join(dir, "key.pem");
  const certFile = join(dir, "cert.pem");
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        keyFile,
        "-out",
        certFile,
        "-days",
        "2",
        "-subj",
        `/CN=${hosts[0] ?? "localhost"}`,
        "-addext",
        `subjectAltName=${[...hosts.map((host) => `DNS:${host}`), "IP:127.0.0.1"].join(",")}`,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Could not make a self-signed certificate with openssl (is it installed?): ${reason}`);
  }
  return {
    key: readFileSync(keyFile, "utf8"),
    cert: readFileSync(certFile, "utf8"),
    certFile,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
