/**
 * `cru plugins trust NAME`: trust the copy of a plugin that runs now — its folder, file and
 * content hash — so every capability it declares is approved without asking, until the file
 * changes. The entry goes into the user config; a kiln's own config can never add one.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import { userConfigFile } from "../config/paths.ts";
import { effectiveCapabilities } from "../plugins/manifest.ts";
import { formatCapability } from "../security/capability.ts";
import { terminalSafe, trustPlugin } from "../security/approvals.ts";
import { CrucibleError } from "../errors.ts";
import type { GlobalOptions } from "./context.ts";
import { eprintln, err, out, printJson, println } from "./output.ts";
import { openRegistry, requirePlugin } from "./plugins.ts";
import { Declined } from "./plugins_manage.ts";
import { confirmStep } from "./prompt.ts";

/** Register `cru plugins trust` on the `plugins` group. */
export function registerTrustCommand(plugins: Command, globals: () => GlobalOptions): void {
  plugins.command("trust")
    .description("approve every capability of this copy of a plugin, until its file changes")
    .argument("<name>", "plugin name")
    .option("-y, --yes", "do not ask for confirmation (required when not on a terminal)")
    .option("--json", "print the trusted identity as JSON")
    .action(async (name, opts) => {
      const p = requirePlugin(await openRegistry(globals()), name);
      if (!p.valid || !p.manifest) {
        throw new CrucibleError(
          "E_INVALID_VALUE",
          `plugin ${name} is invalid; fix it before trusting it (cru plugins validate ${name})`,
        );
      }
      const caps = effectiveCapabilities(p.manifest).map(formatCapability);
      const file = terminalSafe(p.file, 300);
      if (!opts.json) {
        println(`${out.bold(p.name)} ${p.version ?? ""} ${out.dim(`(${p.scope})`)} ${file}`);
        println(`${out.dim("sha256:")} ${p.hash}`);
        println(`${out.dim("capabilities:")} ${caps.map((c) => terminalSafe(c)).join(", ")}`);
        for (const s of p.shadows.filter((s) => p.scope === "kiln" && s.scope !== "kiln")) {
          eprintln(err.warn(
            `warning: this kiln copy shadows the ${s.scope} plugin ${p.name} ` +
              `(${terminalSafe(s.file, 300)}); you are trusting the kiln's copy`,
          ));
        }
      }
      const ok = await confirmStep(
        `Trust ${p.name} from ${p.scope} with every capability it declares?`,
        { yes: opts.yes, what: `trusting ${p.name}` },
      );
      if (!ok) {
        eprintln(err.warn("not trusted"));
        throw new Declined("declined");
      }
      const config = userConfigFile();
      const identity = { plugin: p.name, scope: p.scope, path: p.file, hash: p.hash };
      trustPlugin(config, identity);
      if (opts.json) {
        printJson({ trusted: true, ...identity, capabilities: caps, config });
        return;
      }
      println(`${out.ok("trusted")} ${p.name} (${p.scope}) in ${config}; an edit asks again`);
    });
}
