/**
 * Helpers for the standard-library tests: real Lua and Rune plugins written to temporary files
 * and loaded the way discovery loads them, run through a real sandbox.
 *
 * @module
 */
import { loadPluginFile, type ResolvedPlugin } from "../../src/plugins/registry.ts";

/** A real plugin of either language; `manifest` is extra frontmatter lines. */
export async function plugin(
  name: string,
  language: "lua" | "rune",
  manifest: string,
  code: string,
): Promise<ResolvedPlugin & { cleanup(): void }> {
  const dir = Deno.makeTempDirSync({ prefix: "cru-stdlib-" });
  const file = `${dir}/${name}.${language}`;
  Deno.writeTextFileSync(
    file,
    `---\nname: ${name}\ndescription: test plugin\n${manifest}---\n${code}`,
  );
  const copy = await loadPluginFile(file, "kiln");
  if (!copy.valid) throw new Error(`invalid test plugin: ${JSON.stringify(copy.problems)}`);
  return { ...copy, shadows: [], cleanup: () => Deno.removeSync(dir, { recursive: true }) };
}

/** A registry over a fixed set of plugins (for plugin-to-plugin calls). */
export function registryOf(plugins: ResolvedPlugin[]) {
  const byName = new Map(plugins.map((p) => [p.name, p]));
  return { get: (n: string) => byName.get(n), all: () => plugins } as never;
}
