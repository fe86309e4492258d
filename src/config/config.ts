/**
 * Reading cru's configuration: the user's `config.yaml` (in the config folder) and the kiln's
 * `.crucible/config.yaml`. Keys cru does not know are left alone, so newer config files work with
 * older cru.
 *
 * A kiln may come from someone else, so its config can only make things stricter: settings that
 * widen what plugins may do — remembered approvals, trusted plugins, the sandbox's maximums — are
 * read from the user config alone.
 *
 * ```yaml
 * plugins:
 *   pins:
 *     dice-roller: 1.0.0     # use exactly this version when several are installed
 * sandbox:                   # defaults for every invocation (kiln config may lower them)
 *   memory: 100MB
 *   timeout: 30s
 *   file_size: 10MB
 *   rate: 100/min
 *   writes: 1000             # note/file writes per run (E_QUOTA beyond)
 *   folder_depth: 32         # how deep a folder a plugin may write a note in
 *   burst: 50                # invocations back to back before the rate applies (at most rate/min)
 *   isolation: worker        # or process
 *   max:                     # user config only: what a manifest may ask for, at most
 *     memory: 1GB
 *     timeout: 10m
 *     file_size: 100MB
 *     rate: 6000/min
 *     writes: 100000
 *     folder_depth: 256
 * approvals:                 # user config only
 *   timeout: 30s             # an unanswered prompt is a deny
 *   remembered:              # written by "Always" answers, bound to the plugin's identity
 *     - { plugin: dice-roller, capability: KilnWrite, scope: system, path: /…/dice-roller.rune, hash: 3f2a… }
 * trusted:                   # user config only: never prompted
 *   - my-own-plugin          # a name: its system or built-in copy, never a kiln's copy
 *   - { plugin: notes-tool, scope: kiln, path: /…/.crucible/plugins/notes-tool.lua, hash: 9b1c… }
 * audit:
 *   retention_days: 30
 * journal:                   # how long cru undo can go back
 *   retention_days: 30
 * search:                    # user config only (a service would receive the notes' text)
 *   embeddings:
 *     provider: builtin      # offline word vectors; or ollama, or openai (any compatible API)
 *     url: http://localhost:11434   # ollama default; openai: https://api.openai.com/v1
 *     model: nomic-embed-text       # openai default: text-embedding-3-small
 *     api_key_env: OPENAI_API_KEY   # the environment variable holding the key (openai)
 *     batch_size: 32         # texts per request
 * ```
 *
 * @module
 */
import { parse } from "yaml";
import { z } from "zod";
import { cacheDir, kilnConfigFile, userConfigFile } from "./paths.ts";
import type { EmbeddingSettings } from "../kiln/embedding_providers.ts";
import type { Env } from "./paths.ts";
import { ConfigError } from "../errors.ts";
import { parseDuration, parseRate, parseSize } from "../plugins/units.ts";

/** Resource limits of one invocation. */
export interface Limits {
  /** Engine memory in bytes. */
  memory: number;
  /** Wall-clock timeout in milliseconds. */
  timeout: number;
  /** Largest file read or written, in bytes. */
  fileSize: number;
  /** Invocations per minute per plugin. */
  rate: number;
  /** Note and file writes per run (each write_note/fs.write call counts). */
  writes: number;
  /** Folders a note written by a plugin may nest (`a/b/c.md` nests 2). */
  folderDepth: number;
}

/** Sandbox settings. */
export interface SandboxSettings extends Limits {
  /** Invocations allowed at once above the steady rate. */
  burst: number;
  /** Worker (default) or child process. */
  isolation: "worker" | "process";
  /** The most a manifest may ask for; asking above the default needs approval. */
  max: Limits;
}

/** The folders a plugin can come from, highest precedence first. */
export const PLUGIN_ORIGINS = ["kiln", "system", "builtin"] as const;

/** Where a plugin file was found: the kiln's folder, the user's, or the ones shipped with cru. */
export type PluginOrigin = typeof PLUGIN_ORIGINS[number];

/** A plugin's identity: the file it was loaded from and its content. */
export interface PluginIdentity {
  /** Plugin name. */
  plugin: string;
  /** The folder it was found in. */
  scope: PluginOrigin;
  /** Absolute path of the plugin file. */
  path: string;
  /** SHA-256 of the plugin file; an edited or updated plugin is another identity. */
  hash: string;
}

/**
 * An "Always" answer, bound to the plugin's identity. Entries written before approvals recorded
 * `scope` and `path` lack them and no longer count: the plugin is asked again.
 */
export interface RememberedApproval {
  /** Plugin name. */
  plugin: string;
  /** Capability as displayed (`NetworkHttps(api.crossref.org)`), or `limits.memory` etc. */
  capability: string;
  /** SHA-256 of the plugin file when approved; an edited plugin asks again. */
  hash: string;
  /** The folder the approved copy was found in. */
  scope?: PluginOrigin;
  /** The approved copy's file. */
  path?: string;
  /** When it was approved (ISO time). */
  at?: string;
}

/**
 * A `trusted` entry: a plain name trusts the system or built-in copy of that name (never a kiln's
 * copy); an identity trusts exactly that file with that content.
 */
export type TrustEntry = { plugin: string } | PluginIdentity;

/** The merged configuration. */
export interface Config {
  /** Plugin name → exact version to use. */
  pins: Record<string, string>;
  /** Sandbox defaults and maximums. */
  sandbox: SandboxSettings;
  /** Approval settings. */
  approvals: { timeout: number; remembered: RememberedApproval[] };
  /** Plugins never prompted for (user config only). */
  trusted: TrustEntry[];
  /** Audit log settings. */
  audit: { retentionDays: number };
  /** Write journal settings (how long undo is possible). */
  journal: { retentionDays: number };
  /** Search settings (user config only). */
  search: { embeddings: EmbeddingSettings };
  /** The files read, for messages. */
  files: string[];
}

/** Defaults when no config says otherwise. */
export const DEFAULT_LIMITS: Limits = {
  memory: 100 * 1024 * 1024,
  timeout: 30_000,
  fileSize: 10 * 1024 * 1024,
  rate: 100,
  writes: 1000,
  folderDepth: 32,
};

/** Default maximums a manifest may raise limits to (with approval). */
export const DEFAULT_MAX_LIMITS: Limits = {
  memory: 1024 * 1024 * 1024,
  timeout: 10 * 60_000,
  fileSize: 100 * 1024 * 1024,
  rate: 6000,
  writes: 100_000,
  folderDepth: 256,
};

const unit = (parseFn: (v: unknown) => number | null, what: string) =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    const n = parseFn(v);
    if (n === null) {
      ctx.addIssue({ code: "custom", message: `${JSON.stringify(v)} is not a ${what}` });
      return z.NEVER;
    }
    return n;
  });
const size = unit(parseSize, "size such as 100MB");
const duration = unit(parseDuration, "duration such as 30s");
const rate = unit(parseRate, "rate such as 100/min");

const LimitsSection = z.object({
  memory: size.optional(),
  timeout: duration.optional(),
  file_size: size.optional(),
  rate: rate.optional(),
  writes: z.number().int().positive().optional(),
  folder_depth: z.number().int().positive().optional(),
}).loose();

const ConfigFile = z.object({
  plugins: z.object({
    pins: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).optional(),
  }).loose().optional(),
  sandbox: LimitsSection.extend({
    burst: z.number().int().positive().optional(),
    isolation: z.enum(["worker", "process"]).optional(),
    max: LimitsSection.optional(),
  }).loose().optional(),
  approvals: z.object({
    timeout: duration.optional(),
    remembered: z.array(
      z.object({
        plugin: z.string(),
        capability: z.string(),
        hash: z.string(),
        scope: z.enum(PLUGIN_ORIGINS).optional(),
        path: z.string().optional(),
        at: z.string().optional(),
      }).loose(),
    ).optional(),
  }).loose().optional(),
  trusted: z.array(z.union([
    z.string(),
    z.object({
      plugin: z.string(),
      scope: z.enum(PLUGIN_ORIGINS),
      path: z.string(),
      hash: z.string(),
    }).loose(),
  ])).optional(),
  audit: z.object({ retention_days: z.number().int().positive().optional() }).loose().optional(),
  journal: z.object({ retention_days: z.number().int().positive().optional() }).loose()
    .optional(),
  search: z.object({
    embeddings: z.object({
      provider: z.enum(["builtin", "ollama", "openai"]).optional(),
      url: z.url().optional(),
      model: z.string().min(1).optional(),
      api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
      batch_size: z.number().int().min(1).max(2048).optional(),
    }).loose().optional(),
  }).loose().optional(),
}).loose();

type ConfigData = z.infer<typeof ConfigFile>;

function readFile(file: string): ConfigData | null {
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

/** Apply a file's limits on top of `base`; `tighten` keeps only values lower than the base. */
function mergeLimits(
  base: Limits,
  section: z.infer<typeof LimitsSection> | undefined,
  tighten: boolean,
): Limits {
  if (!section) return base;
  const pick = (current: number, next: number | undefined) =>
    next === undefined ? current : tighten ? Math.min(current, next) : next;
  return {
    memory: pick(base.memory, section.memory),
    timeout: pick(base.timeout, section.timeout),
    fileSize: pick(base.fileSize, section.file_size),
    rate: pick(base.rate, section.rate),
    writes: pick(base.writes, section.writes),
    folderDepth: pick(base.folderDepth, section.folder_depth),
  };
}

function defaultCacheDir(env?: Env): string | undefined {
  try {
    return cacheDir(env);
  } catch {
    return undefined; // no home folder: the built-in embeddings say so when asked for
  }
}

/** Load the user config and, when a kiln is given, the kiln config (which can only tighten). */
export function loadConfig(options: { kilnRoot?: string; env?: Env } = {}): Config {
  const config: Config = {
    pins: {},
    sandbox: { ...DEFAULT_LIMITS, burst: 50, isolation: "worker", max: { ...DEFAULT_MAX_LIMITS } },
    approvals: { timeout: 30_000, remembered: [] },
    trusted: [],
    audit: { retentionDays: 30 },
    journal: { retentionDays: 30 },
    search: { embeddings: { provider: "builtin", cacheDir: defaultCacheDir(options.env) } },
    files: [],
  };
  const userFile = userConfigFile(options.env);
  const user = readFile(userFile);
  if (user) {
    config.files.push(userFile);
    Object.assign(config.pins, user.plugins?.pins ?? {});
    const s = user.sandbox;
    config.sandbox = {
      ...mergeLimits(config.sandbox, s, false),
      burst: s?.burst ?? config.sandbox.burst,
      isolation: s?.isolation ?? config.sandbox.isolation,
      max: mergeLimits(config.sandbox.max, s?.max, false),
    };
    config.approvals.timeout = user.approvals?.timeout ?? config.approvals.timeout;
    config.approvals.remembered = (user.approvals?.remembered ?? []).map((r) => ({
      plugin: r.plugin,
      capability: r.capability,
      hash: r.hash,
      ...(r.scope ? { scope: r.scope } : {}),
      ...(r.path ? { path: r.path } : {}),
      ...(r.at ? { at: r.at } : {}),
    }));
    config.trusted = (user.trusted ?? []).map((t) =>
      typeof t === "string"
        ? { plugin: t }
        : { plugin: t.plugin, scope: t.scope, path: t.path, hash: t.hash }
    );
    config.audit.retentionDays = user.audit?.retention_days ?? config.audit.retentionDays;
    config.journal.retentionDays = user.journal?.retention_days ?? config.journal.retentionDays;
    const e = user.search?.embeddings;
    if (e) {
      config.search.embeddings = {
        ...config.search.embeddings,
        provider: e.provider ?? "builtin",
        ...(e.url ? { url: e.url } : {}),
        ...(e.model ? { model: e.model } : {}),
        ...(e.api_key_env ? { apiKeyEnv: e.api_key_env } : {}),
        ...(e.batch_size ? { batchSize: e.batch_size } : {}),
      };
    }
  }
  if (options.kilnRoot) {
    const kilnFile = kilnConfigFile(options.kilnRoot);
    const kiln = readFile(kilnFile);
    if (kiln) {
      config.files.push(kilnFile);
      Object.assign(config.pins, kiln.plugins?.pins ?? {});
      const s = kiln.sandbox;
      config.sandbox = {
        ...mergeLimits(config.sandbox, s, true),
        burst: Math.min(config.sandbox.burst, s?.burst ?? Infinity),
        // A kiln may ask for stronger isolation, never weaker.
        isolation: s?.isolation === "process" ? "process" : config.sandbox.isolation,
        max: config.sandbox.max,
      };
      config.audit.retentionDays = kiln.audit?.retention_days ?? config.audit.retentionDays;
      config.journal.retentionDays = kiln.journal?.retention_days ??
        config.journal.retentionDays;
    }
  }
  // Defaults above the maximums are clamped, so every limit is within the maximums.
  for (const k of ["memory", "timeout", "fileSize", "rate", "writes", "folderDepth"] as const) {
    config.sandbox[k] = Math.min(config.sandbox[k], config.sandbox.max[k]);
  }
  return config;
}
