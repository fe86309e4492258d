/**
 * Helpers for sandbox tests: plugins for the test-only JavaScript engine, and a runner over a
 * temporary kiln with a recording audit log.
 *
 * @module
 */
import { loadConfig } from "../../src/config/config.ts";
import { configDir } from "../../src/config/paths.ts";
import { parseManifest } from "../../src/plugins/manifest.ts";
import { splitPluginSource } from "../../src/plugins/source.ts";
import {
  loadPluginFile,
  type PluginRegistry,
  type ResolvedPlugin,
} from "../../src/plugins/registry.ts";
import { type Approver, PluginRunner } from "../../src/sandbox/invoke.ts";
import { SandboxPool } from "../../src/sandbox/pool.ts";
import type { AuditEvent } from "../../src/security/audit.ts";
import type { TempKiln } from "../helpers.ts";

/**
 * A plugin run by the test-only JavaScript engine: `code` is the body of a function with
 * `crucible`, `params`, `fn` and `print` in scope. `yaml` is extra manifest lines.
 */
export function jsPlugin(name: string, yaml: string, code: string): ResolvedPlugin {
  const file = `/virtual/${name}.js-test`;
  const text = `---\nname: ${name}\ndescription: test plugin\n${yaml}---\n${code}`;
  // Parsed as a Lua source for the manifest; the runner picks the test engine by the extension.
  const src = splitPluginSource(`/virtual/${name}.lua`, text);
  const { manifest, problems } = parseManifest(src);
  if (!manifest) throw new Error(`bad test manifest: ${JSON.stringify(problems)}`);
  const hash = Array.from(
    new Uint8Array(new TextEncoder().encode(text)).slice(0, 16),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("") + text.length;
  return {
    name,
    file,
    scope: "kiln",
    hash,
    version: manifest.version,
    manifest,
    code: src.code,
    language: "lua",
    form: "source",
    problems: [],
    valid: true,
    dependencyLine: 1,
    shadows: [],
  };
}

/** An approver answering from a fixed table of capability display forms. */
export function fixedApprover(approved: string[]): Approver & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    request(req) {
      asked.push(req.capability);
      const ok = approved.includes(req.capability) || approved.includes("*");
      return Promise.resolve({
        approved: ok,
        decision: ok ? "flag" : "deny",
        message: ok ? "approved" : `plugin ${req.plugin} asked for ${req.capability}: denied`,
      });
    },
  };
}

/** A runner over `kiln` with the test engine, a recording audit sink, and config from a temp dir. */
export function testRunner(
  kiln: TempKiln,
  options: {
    approver?: Approver;
    pool?: SandboxPool;
    env?: Record<string, string>;
    registry?: PluginRegistry;
  } = {},
) {
  const events: Omit<AuditEvent, "ts">[] = [];
  const env = options.env ?? {};
  const envFn = (n: string) =>
    env[n] ?? (n === "CRUCIBLE_CONFIG_DIR" ? "/nonexistent-cru-config" : undefined);
  const config = loadConfig({ kilnRoot: kiln.root, env: envFn });
  const runner = new PluginRunner({
    kilnRoot: kiln.root,
    registry: options.registry ?? ({ get: () => undefined } as unknown as PluginRegistry),
    config,
    approver: options.approver,
    audit: { record: (e) => events.push(e) },
    pool: options.pool,
    testEngine: true,
    // Never the real user folder: global state goes where the test's environment says.
    configDir: configDir(envFn),
  });
  return { runner, events, config };
}

export { SandboxPool };

/**
 * A real Lua plugin: the text is written to a temporary file and loaded the way discovery loads
 * plugins (manifest, lints, syntax check). `manifest` is extra frontmatter lines.
 */
export async function luaPlugin(
  name: string,
  manifest: string,
  code: string,
): Promise<ResolvedPlugin & { cleanup(): void }> {
  const dir = Deno.makeTempDirSync({ prefix: "cru-lua-" });
  const file = `${dir}/${name}.lua`;
  Deno.writeTextFileSync(
    file,
    `---\nname: ${name}\ndescription: test plugin\n${manifest}---\n${code}`,
  );
  const copy = await loadPluginFile(file, "kiln");
  return { ...copy, shadows: [], cleanup: () => Deno.removeSync(dir, { recursive: true }) };
}
