// `golive console`: the web console of the Releases the viewer may read (console/); it writes nothing as itself.
import type { Command } from "commander";
import { startConsole } from "../../console/serve.js";
import { createLogger } from "../log.js";
import { untilSignal } from "../process-config.js";

export function registerConsole(program: Command): void {
  program
    .command("console")
    .description("Serve the web console over HTTPS: Releases the viewer may read (TokenReview or an authenticating proxy, then SubjectAccessReview), live")
    .option("--port <port>", "HTTPS port", "8443")
    .option("--host <address>", "address to listen on", "0.0.0.0")
    .option("--tls-cert <file>", "PEM serving certificate (default: one made at start, valid for a day)")
    .option("--tls-key <file>", "PEM key of --tls-cert")
    .option("--dns-name <name...>", "DNS names of a certificate made at start, besides localhost")
    .option("--kubeconfig <path>", "kubeconfig file (default: in-cluster, KUBECONFIG or ~/.kube/config)")
    .option("--requestheader-client-ca-file <file>", "trust the user and groups an authenticating proxy sends (X-Remote-User, X-Remote-Group), only from a client certificate this CA signed (off by default)")
    .option("--requestheader-allowed-names <name...>", "common names the proxy's client certificate may have (default: any the CA signed)")
    .option("--requestheader-username-headers <header...>", "headers naming the user", ["X-Remote-User"])
    .option("--requestheader-group-headers <header...>", "headers naming the groups", ["X-Remote-Group"])
    .option("--audit-url <url>", "https URL of the operator's /audit: release pages show the release's audit records, asked with the viewer's own token (off by default)")
    .option("--audit-ca-file <file>", "CA of the /audit serving certificate (default: the system's CAs); the token is never sent to a certificate that does not verify")
    .option("--namespace <namespace>", "golive's own namespace (never governed)", process.env.POD_NAMESPACE)
    .option("--log-level <level>", "log level", "info")
    .action(async (opts: { port: string; host: string; tlsCert?: string; tlsKey?: string; dnsName?: string[]; kubeconfig?: string; requestheaderClientCaFile?: string; requestheaderAllowedNames?: string[]; requestheaderUsernameHeaders: string[]; requestheaderGroupHeaders: string[]; auditUrl?: string; auditCaFile?: string; namespace?: string; logLevel: string }) => {
      const log = createLogger(opts.logLevel);
      const c = await startConsole({
        port: Number(opts.port),
        host: opts.host,
        kubeconfig: opts.kubeconfig,
        certFile: opts.tlsCert,
        keyFile: opts.tlsKey,
        dnsNames: opts.dnsName ?? [],
        requestHeaderClientCaFile: opts.requestheaderClientCaFile,
        requestHeaderAllowedNames: opts.requestheaderAllowedNames,
        requestHeaderUsernameHeaders: opts.requestheaderUsernameHeaders,
        requestHeaderGroupHeaders: opts.requestheaderGroupHeaders,
        auditUrl: opts.auditUrl,
        auditCaFile: opts.auditCaFile,
        ownNamespace: opts.namespace,
        log,
      });
      process.stdout.write(`golive console on https://localhost:${c.port}/\n`);
      const signal = await untilSignal();
      log.info({ signal }, "shutting down");
      await c.close();
    });
}
