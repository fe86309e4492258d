/**
 * Reading cru's configuration: the user's `config.yaml` (in the config folder) and the kiln's
 * `.crucible/config.yaml`, kiln settings winning. Keys other parts of cru do not know are left
 * alone, so newer config files work with older cru.
 *
 * ```yaml
 * plugins:
 *   pins:
 *     dice-roller: 1.0.0   # use exactly this version when several are installed
 * ```
 *
 * @module
 */
import { parse } from "yaml";
import { z } from "zod";
import { kilnConfigFile, userConfigFile } from "./paths.ts";
import type { Env } from "./paths.ts";
import { ConfigError } from "../errors.ts";

const PluginsSection = z.object({
  pins: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).optional(),
}).loose();

const ConfigFile = z.object({
  plugins: PluginsSection.optional(),
}).loose();

/** The merged configuration. */
export interface Config {
  /** Plugin name → exact version to use. */
  pins: Record<string, string>;
  /** The files read, for messages. */
  files: string[];
}

function readFile(file: string): z.infer<typeof ConfigFile> | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw new ConfigError(file, `cannot be read: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = parse(text) ?? {};
  } catch (e) {
    throw new ConfigError(file, `is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  const r = ConfigFile.safeParse(data);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ConfigError(file, `${i.path.join(".") || "(top)"}: ${i.message}`);
  }
  return r.data;
}

/** Load the user config and, when a kiln is given, the kiln config on top of it. */
export function loadConfig(options: { kilnRoot?: string; env?: Env } = {}): Config {
  const config: Config = { pins: {}, files: [] };
  const files = [userConfigFile(options.env)];
  if (options.kilnRoot) files.push(kilnConfigFile(options.kilnRoot));
  for (const file of files) {
    const data = readFile(file);
    if (data === null) continue;
    config.files.push(file);
    Object.assign(config.pins, data.plugins?.pins ?? {});
  }
  return config;
}
