/**
 * Approvals: deciding whether a plugin may use a risky capability it declared, asking the user
 * when nothing already answers the question.
 *
 * Everything that approves without a prompt is bound to the plugin's identity — the folder it was
 * found in (kiln, system, built-in), its file and its content hash — never to its name alone: a
 * kiln may have been written by someone else, and a plugin in it may carry the name of one you
 * trust. A request is settled by the first of these that applies:
 *
 * 1. `trusted` in the user config names this copy: a plain name covers the system or built-in copy
 *    of that name only, an identity entry (`{plugin, scope, path, hash}`) exactly that file with
 *    that content;
 * 2. `--yes` (never for a kiln copy that shadows an installed plugin);
 * 3. an `--approve NAME:CAPABILITY` flag for this plugin and capability; a bare NAME does not
 *    cover a kiln copy that shadows a system or built-in plugin of the same name, which takes
 *    `--approve kiln:NAME:CAPABILITY`;
 * 4. an "Always" answer remembered in the user config for this capability and this copy: the same
 *    scope, path and content hash (an edited plugin is asked again);
 * 5. an "Approve once" answer given earlier to the same broker for the same copy;
 * 6. not interactive (no terminal): denied, with a message naming the flag or config that approves;
 * 7. a prompt on stderr: Approve once / Always / Deny; no answer within the timeout is a deny.
 *
 * Prompts are drawn one at a time per process, however many requests arrive at once.
 *
 * @example
 * ```ts
 * import { ApprovalBroker } from "./approvals.ts";
 * import { loadConfig } from "../config/config.ts";
 * import { userConfigFile } from "../config/paths.ts";
 *
 * const broker = new ApprovalBroker({
 *   config: loadConfig(),
 *   userConfigFile: userConfigFile(),
 *   approve: ["dice-roller:KilnWrite"],
 * });
 * const outcome = await broker.request({
 *   plugin: "dice-roller", version: "1.0.0", description: "Roll dice", hash: "3f2a…",
 *   scope: "system", file: "/home/me/.config/crucible/plugins/dice-roller.rune", shadows: [],
 *   capability: "KilnWrite", risk: "high",
 *   operation: "write notes in the kiln",
 *   impact: "can change or create any note (undoable with cru undo)",
 * });
 * outcome.decision; // "flag"
 * ```
 *
 * @module
 */
import * as path from "node:path";
import process from "node:process";
import {
  type Config,
  PLUGIN_ORIGINS,
  type PluginOrigin,
  type RememberedApproval,
  type TrustEntry,
} from "../config/config.ts";
import { InvalidParamsError } from "../errors.ts";
import { suggest } from "../suggest.ts";
import { CAPABILITY_INFO, CAPABILITY_NAMES, displayParts, sameDisplayForm } from "./capability.ts";
import { expandHome } from "./grant.ts";
import { terminalText } from "./terminal_text.ts";
import { rememberApproval } from "./trust_store.ts";

export { rememberApproval, trustPlugin } from "./trust_store.ts";

/** How a request was settled. The first five approve without a prompt; the last three refuse. */
export type ApprovalDecision =
  | "trusted"
  | "remembered"
  | "session"
  | "flag"
  | "yes"
  | "once"
  | "always"
  | "deny"
  | "timeout"
  | "non-interactive";

/** One question: may this plugin use this capability for this operation? */
export interface ApprovalRequest {
  /** Plugin name. */
  plugin: string;
  /** Plugin version, shown in the prompt. */
  version: string;
  /** Plugin description, shown in the prompt. */
  description: string;
  /** SHA-256 of the plugin's content; trust and "Always" answers are bound to it. */
  hash: string;
  /** The folder the plugin was found in; trust and "Always" answers are bound to it. */
  scope: PluginOrigin;
  /** Absolute path of the plugin file; trust and "Always" answers are bound to it. */
  file: string;
  /** Other copies of the same name this one wins over (a kiln copy over a system one). */
  shadows: readonly { scope: PluginOrigin; file: string }[];
  /** Display form: `KilnWrite`, `NetworkHttps(api.crossref.org)`, `limits.memory(512MB)`. */
  capability: string;
  /** Risk of the capability. */
  risk: "low" | "high" | "critical";
  /** What the plugin is about to do, e.g. "write notes in the kiln". */
  operation: string;
  /** What could go wrong, e.g. "can change or create any note (undoable with cru undo)". */
  impact: string;
}

/** The answer to a request. */
export interface ApprovalOutcome {
  /** True when the plugin may go ahead. */
  approved: boolean;
  /** How it was settled. */
  decision: ApprovalDecision;
  /** One line for the user: what was decided and, for a refusal, how to approve. */
  message: string;
}

/** Where approvals come from. */
export interface ApprovalOptions {
  /** The loaded configuration (`loadConfig()`): trusted plugins, remembered answers, timeout. */
  config: Config;
  /** The user config file, where "Always" answers are written. */
  userConfigFile: string;
  /** Whether a prompt may be drawn. Default: stdin and stderr are both terminals. */
  interactive?: boolean;
  /**
   * `--approve` values, `NAME:CAPABILITY` or `SCOPE:NAME:CAPABILITY` (SCOPE kiln, system or
   * builtin). Malformed values make the constructor throw.
   */
  approve?: string[];
  /** `--yes`: approve everything. Default false. */
  yes?: boolean;
  /** Milliseconds an unanswered prompt waits before it denies. Default `config.approvals.timeout`. */
  timeoutMs?: number;
}

/** One parsed `--approve` value. */
export interface ApproveFlag {
  /** The copy it names; absent for a bare name (a copy that shadows no system or built-in one). */
  scope?: PluginOrigin;
  /** Plugin name. */
  plugin: string;
  /** Capability name or display form, canonically spelled. */
  capability: string;
}

const PLUGIN_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const LIMIT_NAME = /^limits\.[a-z][a-z_]*$/i;
const SCOPED = new RegExp(
  `^\\s*(${PLUGIN_ORIGINS.join("|")})\\s*:\\s*(?=[a-z0-9]+(?:-[a-z0-9]+)*\\s*:)`,
);

/**
 * Parse one `--approve` value, `NAME:CAPABILITY` or `SCOPE:NAME:CAPABILITY`. CAPABILITY is a name
 * (`KilnWrite`, which approves any scope of it) or a display form
 * (`NetworkHttps(api.crossref.org)`, only that scope). SCOPE (`kiln`, `system`, `builtin`) names
 * the copy of the plugin; it is needed to approve a kiln copy that shadows a system or built-in
 * plugin. Capability names are matched case-insensitively and returned in their canonical spelling.
 *
 * @throws {InvalidParamsError} when the value is not of that shape.
 * @example
 * ```ts
 * import { parseApproveFlag } from "./approvals.ts";
 * parseApproveFlag("citations:networkhttps(api.crossref.org)");
 * // { plugin: "citations", capability: "NetworkHttps(api.crossref.org)" }
 * parseApproveFlag("kiln:word-count:Unsafe");
 * // { scope: "kiln", plugin: "word-count", capability: "Unsafe" }
 * ```
 */
export function parseApproveFlag(value: string): ApproveFlag {
  const example = "e.g. --approve dice-roller:KilnWrite";
  // Capability names are capitalised or dotted, plugin names never are: `kiln:x:KilnWrite` is
  // scope kiln, plugin x, while `kiln:KilnWrite` is the plugin named kiln.
  const scoped = SCOPED.exec(value);
  const body = scoped ? value.slice(scoped[0].length) : value;
  const colon = body.indexOf(":");
  if (colon < 0) {
    throw new InvalidParamsError(
      `--approve ${JSON.stringify(value)} is not PLUGIN:CAPABILITY; write ${example}`,
    );
  }
  const plugin = body.slice(0, colon).trim();
  const rest = body.slice(colon + 1).trim();
  if (!PLUGIN_NAME.test(plugin)) {
    throw new InvalidParamsError(
      `--approve ${JSON.stringify(value)}: ${JSON.stringify(plugin)} is not a plugin name ` +
        `(lowercase letters, digits and single hyphens); write ${example}`,
    );
  }
  const m = /^([^()\s]+)\s*(?:\((.*)\))?$/s.exec(rest);
  if (!m || (m[2] !== undefined && (m[2].trim() === "" || /[()]/.test(m[2])))) {
    throw new InvalidParamsError(
      `--approve ${JSON.stringify(value)}: ${JSON.stringify(rest)} is not a capability; write a ` +
        `name such as KilnWrite or a scoped form such as 'NetworkHttps(api.crossref.org)'`,
    );
  }
  const name = canonicalName(m[1]);
  if (name === null) {
    const close = suggest(m[1], CAPABILITY_NAMES, 1)[0];
    throw new InvalidParamsError(
      `--approve ${JSON.stringify(value)}: unknown capability "${m[1]}"` +
        (close ? `; did you mean ${plugin}:${close}?` : `; valid: ${CAPABILITY_NAMES.join(", ")}`),
    );
  }
  return {
    ...(scoped ? { scope: scoped[1] as PluginOrigin } : {}),
    plugin,
    capability: m[2] === undefined ? name : `${name}(${m[2].trim()})`,
  };
}

function canonicalName(name: string): string | null {
  if (LIMIT_NAME.test(name)) return name.toLowerCase();
  return CAPABILITY_NAMES.find((n) => n.toLowerCase() === name.toLowerCase()) ?? null;
}

/** A flag's capability covers a requested one: the same display form, or the bare name. */
function flagCovers(flag: string, requested: string): boolean {
  const f = displayParts(flag);
  return f.scope === null
    ? f.name === displayParts(requested).name
    : sameDisplayForm(flag, requested);
}

function sameHash(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** A path written in the config names a file only when it is absolute (or starts with `~/`). */
function samePath(written: string, file: string): boolean {
  const full = expandHome(written);
  return path.isAbsolute(full) && path.normalize(full) === path.resolve(file);
}

/**
 * A kiln copy that wins over a system or built-in copy of the same name: whoever wrote the kiln
 * chose that name, so nothing given to the name carries over to it.
 */
export function shadowsInstalled(req: Pick<ApprovalRequest, "scope" | "shadows">): boolean {
  return req.scope === "kiln" && req.shadows.some((s) => s.scope !== "kiln");
}

/** True when a `trusted` entry covers this copy of the plugin. */
function trustCovers(entry: TrustEntry, req: ApprovalRequest): boolean {
  if (entry.plugin !== req.plugin) return false;
  if (!("scope" in entry)) return req.scope !== "kiln";
  return entry.scope === req.scope && samePath(entry.path, req.file) &&
    sameHash(entry.hash, req.hash);
}

/** True when a remembered "Always" answer covers this capability of this copy. */
function memoryCovers(r: RememberedApproval, req: ApprovalRequest): boolean {
  return r.plugin === req.plugin && sameDisplayForm(r.capability, req.capability) &&
    r.scope === req.scope && r.path !== undefined && samePath(r.path, req.file) &&
    sameHash(r.hash, req.hash);
}

/** True when an `--approve` flag covers this request. */
function flagApplies(f: ApproveFlag, req: ApprovalRequest): boolean {
  if (f.plugin !== req.plugin || !flagCovers(f.capability, req.capability)) return false;
  return f.scope === undefined ? !shadowsInstalled(req) : f.scope === req.scope;
}

/**
 * Plugin metadata is untrusted: without this a description could carry escape sequences that
 * repaint the prompt (show "KilnRead" where the request is "Unsafe") or bidi controls that reorder
 * it. Control characters are shown as escapes, and long text is cut.
 */
export function terminalSafe(text: string, max = 200): string {
  return terminalText(text, { max });
}

/**
 * The remembered form of an "Always" answer to `req`: bound to the copy that asked — its scope,
 * file and content hash — so an edit, or another copy of the same name, is asked again.
 */
export function alwaysAnswer(req: ApprovalRequest): RememberedApproval {
  return {
    plugin: req.plugin,
    capability: req.capability,
    scope: req.scope,
    path: req.file,
    hash: req.hash,
    at: new Date().toISOString(),
  };
}

function shellArg(arg: string): string {
  return /^[\w.:@%+=,/-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

function colourOn(): boolean {
  const noColor = Deno.env.get("NO_COLOR");
  return (noColor === undefined || noColor === "") && Deno.stderr.isTerminal();
}

function painter(on: boolean) {
  return (open: string, close: string) => (s: string) => on ? `\x1b[${open}m${s}\x1b[${close}m` : s;
}

/** Prompts are drawn one at a time per process: there is one terminal, whoever asks. */
let promptQueue: Promise<unknown> = Promise.resolve();

function serialised<T>(fn: () => Promise<T>): Promise<T> {
  const run = promptQueue.then(fn);
  promptQueue = run.catch(() => {});
  return run;
}

type Answer = "once" | "always" | "deny" | "timeout" | "cancelled";

/** Settles approval requests for one run of cru; "Approve once" answers last as long as it does. */
export class ApprovalBroker {
  readonly #trusted: TrustEntry[];
  readonly #remembered: RememberedApproval[];
  readonly #file: string;
  readonly #interactive: boolean;
  readonly #flags: (ApproveFlag & { raw: string })[];
  readonly #yes: boolean;
  readonly #timeoutMs: number;
  readonly #session = new Set<string>();

  /** @throws {InvalidParamsError} when an `approve` value is malformed. */
  constructor(options: ApprovalOptions) {
    this.#trusted = [...options.config.trusted];
    this.#remembered = [...options.config.approvals.remembered];
    this.#file = options.userConfigFile;
    this.#interactive = options.interactive ??
      (Deno.stdin.isTerminal() && Deno.stderr.isTerminal());
    this.#flags = (options.approve ?? []).map((raw) => ({ ...parseApproveFlag(raw), raw }));
    this.#yes = options.yes ?? false;
    this.#timeoutMs = options.timeoutMs ?? options.config.approvals.timeout;
  }

  /** Settle one request, prompting (one prompt at a time) only when nothing else answers it. */
  async request(req: ApprovalRequest): Promise<ApprovalOutcome> {
    const settled = this.#settled(req);
    if (settled) return settled;
    if (!this.#interactive) {
      return refuse("non-interactive", this.#howToApprove(req, "answer the prompt in a terminal"));
    }
    return await serialised(async () => {
      // Another prompt may have answered this very question while this one waited in the queue.
      return this.#settled(req) ?? await this.#prompt(req);
    });
  }

  #key(req: ApprovalRequest): string {
    return JSON.stringify([
      req.plugin,
      req.scope,
      path.resolve(req.file),
      displayParts(req.capability),
      req.hash.toLowerCase(),
    ]);
  }

  #settled(req: ApprovalRequest): ApprovalOutcome | null {
    const who = `plugin ${terminalSafe(req.plugin, 80)}`;
    const what = terminalSafe(req.capability, 120);
    if (this.#trusted.some((t) => trustCovers(t, req))) {
      return allow(
        "trusted",
        `${who} (${req.scope}) is trusted in ${this.#file}: ${what} approved`,
      );
    }
    // --yes is said before the user sees which copy runs: it does not reach a kiln copy that
    // shadows an installed plugin of the same name (that needs --approve kiln:NAME:CAP).
    if (this.#yes && !shadowsInstalled(req)) {
      return allow("yes", `${what} approved for ${who} by --yes`);
    }
    const flag = this.#flags.find((f) => flagApplies(f, req));
    if (flag) {
      return allow("flag", `${what} approved for ${who} by --approve ${shellArg(flag.raw)}`);
    }
    const memory = this.#remembered.find((r) => memoryCovers(r, req));
    if (memory) {
      return allow(
        "remembered",
        `${what} approved for ${who} by an earlier "Always" answer` +
          (memory.at ? ` (${memory.at})` : "") + ` remembered in ${this.#file}`,
      );
    }
    if (this.#session.has(this.#key(req))) {
      return allow("session", `${what} approved for ${who} by "Approve once" earlier in this run`);
    }
    return null;
  }

  /** The refusal text: what was asked, why it stands refused, and every way to approve it. */
  #howToApprove(req: ApprovalRequest, extra: string): string {
    const name = terminalSafe(req.plugin, 80);
    const what = terminalSafe(req.capability, 120);
    const earlier = this.#remembered.filter((r) =>
      r.plugin === req.plugin && sameDisplayForm(r.capability, req.capability)
    );
    const why: string[] = [];
    if (earlier.some((r) => r.path === undefined)) {
      why.push(
        `an "Always" answer remembered by an older cru without the plugin's location no ` +
          `longer counts`,
      );
    } else if (earlier.some((r) => r.scope === req.scope && samePath(r.path!, req.file))) {
      why.push(`an "Always" answer was given for an earlier version; the plugin has changed`);
    }
    const shadowing = shadowsInstalled(req);
    if (shadowing) {
      const other = req.shadows.find((s) => s.scope !== "kiln")!;
      why.push(
        `this copy, ${terminalSafe(req.file, 200)}, comes from the kiln and shadows the ` +
          `${other.scope} plugin ${name}, so trust and approvals given to that name do not cover it`,
      );
    } else if (req.scope === "kiln" && this.#trusted.some((t) => t.plugin === req.plugin)) {
      why.push(`trusting ${name} by name covers its system and built-in copies, not the kiln's`);
    }
    const flag = shadowing ? `kiln:${name}:${what}` : `${name}:${what}`;
    const trust = req.scope === "kiln"
      ? `trust this copy with cru plugins trust ${name}`
      : `add ${name} to trusted in ${this.#file}`;
    return `plugin ${name} asked for ${what}, which is not approved` +
      (why.length ? ` (${why.join("; ")})` : "") +
      `: run with --approve ${shellArg(flag)}${shadowing ? "" : " (or --yes)"}, ${extra}, ` +
      `or ${trust}`;
  }

  async #prompt(req: ApprovalRequest): Promise<ApprovalOutcome> {
    const answer = await ask(req, this.#timeoutMs);
    const name = terminalSafe(req.plugin, 80);
    const what = terminalSafe(req.capability, 120);
    switch (answer.kind) {
      case "once":
        this.#session.add(this.#key(req));
        return allow("once", `${what} approved once for plugin ${name}`);
      case "always": {
        const entry = alwaysAnswer(req);
        this.#session.add(this.#key(req));
        try {
          rememberApproval(this.#file, entry);
        } catch (e) {
          return allow(
            "always",
            `${what} approved for plugin ${name} for this run, but it could not be remembered: ` +
              (e as Error).message,
          );
        }
        this.#remembered.push(entry);
        return allow(
          "always",
          `${what} approved for plugin ${name} and remembered for this copy and version in ` +
            this.#file,
        );
      }
      case "timeout":
        return refuse(
          "timeout",
          `plugin ${name} asked for ${what} and the prompt timed out after ` +
            `${seconds(this.#timeoutMs)} with no answer, so it was denied: answer within the ` +
            `time, set approvals.timeout in ${this.#file}, or run with --approve ` +
            shellArg(shadowsInstalled(req) ? `kiln:${name}:${what}` : `${name}:${what}`),
        );
      case "cancelled":
        return refuse("deny", `plugin ${name} was denied ${what}: the prompt was cancelled`);
      case "failed":
        return refuse(
          "deny",
          `plugin ${name} was denied ${what}: the prompt failed (${answer.error})`,
        );
      default:
        return refuse("deny", `plugin ${name} was denied ${what} at the prompt`);
    }
  }
}

function allow(decision: ApprovalDecision, message: string): ApprovalOutcome {
  return { approved: true, decision, message };
}

function refuse(decision: ApprovalDecision, message: string): ApprovalOutcome {
  return { approved: false, decision, message };
}

/** Draw the prompt on stderr and wait for an answer, a timeout, or Ctrl-C. */
async function ask(
  req: ApprovalRequest,
  timeoutMs: number,
): Promise<{ kind: Answer } | { kind: "failed"; error: string }> {
  const paint = painter(colourOn());
  const bold = paint("1", "22");
  const dim = paint("2", "22");
  const riskPaint = {
    low: paint("32", "39"),
    high: paint("33", "39"),
    critical: paint("1;31", "22;39"),
  };
  const name = terminalSafe(req.plugin, 80);
  const what = terminalSafe(req.capability, 120);
  const capName = displayParts(req.capability).name;
  const info = CAPABILITY_NAMES.find((n) => n.toLowerCase() === capName);
  const summary = info ? `: ${CAPABILITY_INFO[info].summary}` : "";
  const row = (label: string, value: string) => `  ${dim(label.padEnd(11))} ${value}\n`;
  process.stderr.write(
    `\n${bold(`Plugin ${name}`)} ${terminalSafe(req.version, 40)} ` +
      dim(`(sha256 ${terminalSafe(req.hash, 64).slice(0, 12)}…)`) + " asks for approval\n" +
      (req.description.trim() ? `  ${terminalSafe(req.description, 300)}\n` : "") +
      row("from", `${req.scope} ${terminalSafe(req.file, 200)}`) +
      (shadowsInstalled(req)
        ? row(
          "warning",
          riskPaint.critical(
            `this kiln copy shadows the ${
              req.shadows.find((s) => s.scope !== "kiln")!.scope
            } plugin of the same name`,
          ),
        )
        : "") +
      row("capability", `${bold(what)} ${riskPaint[req.risk](`(${req.risk} risk)`)}${summary}`) +
      row("to", terminalSafe(req.operation)) +
      row("impact", terminalSafe(req.impact)),
  );
  let kind: Answer | "failed";
  let error = "";
  try {
    // Loaded on first use: most runs of cru never draw a prompt.
    const { select } = await import("@inquirer/prompts");
    const signal = AbortSignal.timeout(timeoutMs);
    kind = await select<Answer>({
      message: `Allow ${name} to use ${what}?`,
      choices: [
        { name: "Approve once", value: "once" },
        { name: "Always (remember for this copy and version of the plugin)", value: "always" },
        { name: "Deny", value: "deny" },
      ],
      theme: {
        prefix: { idle: paint("34", "39")("?"), done: paint("32", "39")("✔") },
        style: {
          answer: paint("36", "39"),
          message: bold,
          highlight: paint("36", "39"),
          help: dim,
          description: paint("36", "39"),
          disabled: dim,
          error: (s: string) => paint("31", "39")(`> ${s}`),
          keysHelpTip: (keys: [string, string][]) =>
            keys.map(([k, a]) => `${bold(k)} ${dim(a)}`).join(dim(" • ")),
        },
      },
    }, { output: process.stderr, signal, clearPromptOnDone: true });
  } catch (e) {
    const n = (e as Error).name;
    kind = n === "AbortPromptError" ? "timeout" : n === "ExitPromptError" ? "cancelled" : "failed";
    error = (e as Error).message;
  }
  const verdict: Record<Answer | "failed", string> = {
    once: paint("32", "39")("✔ approved once"),
    always: paint("32", "39")("✔ approved (Always)"),
    deny: paint("31", "39")("✖ denied"),
    timeout: paint("31", "39")(`✖ denied: no answer within ${seconds(timeoutMs)}`),
    cancelled: paint("31", "39")("✖ denied (cancelled)"),
    failed: paint("31", "39")(`✖ denied: the prompt failed (${error})`),
  };
  process.stderr.write(`${bold(`${name} ${what}`)}: ${verdict[kind]}\n`);
  return kind === "failed" ? { kind, error } : { kind };
}
