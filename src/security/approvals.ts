/**
 * Approvals: deciding whether a plugin may use a risky capability it declared, asking the user
 * when nothing already answers the question.
 *
 * A request is settled by the first of these that applies:
 *
 * 1. the plugin is in `trusted` (user config only);
 * 2. `--yes`;
 * 3. an `--approve NAME:CAPABILITY` flag for this plugin and capability;
 * 4. an "Always" answer remembered in the user config for this plugin, capability and the SAME
 *    plugin content hash (an edited plugin is asked again);
 * 5. an "Approve once" answer given earlier to the same broker;
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
import { isMap, isScalar, isSeq, parseDocument } from "yaml";
import type { Config, RememberedApproval } from "../config/config.ts";
import { ConfigError, InvalidParamsError } from "../errors.ts";
import { suggest } from "../suggest.ts";
import { CAPABILITY_INFO, CAPABILITY_NAMES } from "./capability.ts";
import { terminalText } from "./terminal_text.ts";

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
  /** SHA-256 of the plugin's content; "Always" answers are bound to it. */
  hash: string;
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
  /** `--approve` values, `NAME:CAPABILITY`. Malformed values make the constructor throw. */
  approve?: string[];
  /** `--yes`: approve everything. Default false. */
  yes?: boolean;
  /** Milliseconds an unanswered prompt waits before it denies. Default `config.approvals.timeout`. */
  timeoutMs?: number;
}

const PLUGIN_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const LIMIT_NAME = /^limits\.[a-z][a-z_]*$/i;

/**
 * Parse one `--approve` value, `NAME:CAPABILITY`. CAPABILITY is a name (`KilnWrite`, which
 * approves any scope of it) or a display form (`NetworkHttps(api.crossref.org)`, only that scope).
 * Capability names are matched case-insensitively and returned in their canonical spelling.
 *
 * @throws {InvalidParamsError} when the value is not of that shape.
 * @example
 * ```ts
 * import { parseApproveFlag } from "./approvals.ts";
 * parseApproveFlag("citations:networkhttps(api.crossref.org)");
 * // { plugin: "citations", capability: "NetworkHttps(api.crossref.org)" }
 * ```
 */
export function parseApproveFlag(value: string): { plugin: string; capability: string } {
  const example = "e.g. --approve dice-roller:KilnWrite";
  const colon = value.indexOf(":");
  if (colon < 0) {
    throw new InvalidParamsError(
      `--approve ${JSON.stringify(value)} is not PLUGIN:CAPABILITY; write ${example}`,
    );
  }
  const plugin = value.slice(0, colon).trim();
  const rest = value.slice(colon + 1).trim();
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
  return { plugin, capability: m[2] === undefined ? name : `${name}(${m[2].trim()})` };
}

function canonicalName(name: string): string | null {
  if (LIMIT_NAME.test(name)) return name.toLowerCase();
  return CAPABILITY_NAMES.find((n) => n.toLowerCase() === name.toLowerCase()) ?? null;
}

/** Split a display form into its name (case-folded) and its scope with whitespace removed. */
function capabilityParts(display: string): { name: string; scope: string | null } {
  const open = display.indexOf("(");
  if (open < 0) return { name: display.trim().toLowerCase(), scope: null };
  return {
    name: display.slice(0, open).trim().toLowerCase(),
    scope: display.slice(open).replace(/\s+/g, ""),
  };
}

function sameCapability(a: string, b: string): boolean {
  const x = capabilityParts(a);
  const y = capabilityParts(b);
  return x.name === y.name && x.scope === y.scope;
}

/** A flag's capability covers a requested one: the same display form, or the bare name. */
function flagCovers(flag: string, requested: string): boolean {
  const f = capabilityParts(flag);
  return f.scope === null
    ? f.name === capabilityParts(requested).name
    : sameCapability(flag, requested);
}

function sameHash(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * Record an "Always" answer in the user config file: replaces any entry for the same plugin and
 * capability (an older hash), keeps everything else in the file including comments, creates the
 * file and its folder when missing, and writes atomically (temp file in the same folder, then
 * rename; a symlinked config file is updated where it points).
 *
 * @throws {ConfigError} when the file is not valid YAML, has an unexpected shape, or cannot be
 * written; the file is then left as it was.
 */
export function rememberApproval(file: string, entry: RememberedApproval): void {
  let target = file;
  try {
    target = Deno.realPathSync(file);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw unwritable(file, e);
  }
  let text = "";
  let mode = 0o644;
  try {
    text = Deno.readTextFileSync(target);
    mode = (Deno.statSync(target).mode ?? 0o644) & 0o777;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw unwritable(file, e);
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      `is not valid YAML (${doc.errors[0].message.split("\n")[0]}); fix it so the approval ` +
        `can be remembered`,
    );
  }
  const record = { plugin: entry.plugin, capability: entry.capability, hash: entry.hash };
  const node = doc.createNode(entry.at ? { ...record, at: entry.at } : record);
  const empty = (v: unknown) => v === undefined || v === null || (isScalar(v) && v.value == null);
  if (!empty(doc.contents) && !isMap(doc.contents)) {
    throw new ConfigError(file, "must be a mapping of settings (approvals:, trusted:, …)");
  }
  const approvals = doc.get("approvals", true);
  if (empty(approvals)) {
    doc.set("approvals", doc.createNode({ remembered: [node] }));
  } else if (!isMap(approvals)) {
    throw new ConfigError(file, "approvals must be a mapping (timeout:, remembered:)");
  } else {
    const remembered = approvals.get("remembered", true);
    if (empty(remembered)) {
      approvals.set("remembered", doc.createNode([node]));
    } else if (!isSeq(remembered)) {
      throw new ConfigError(file, "approvals.remembered must be a list");
    } else {
      remembered.items = remembered.items.filter((item) =>
        !(isMap(item) && item.get("plugin") === entry.plugin &&
          typeof item.get("capability") === "string" &&
          sameCapability(item.get("capability") as string, entry.capability))
      );
      remembered.items.push(node);
      remembered.flow = false;
    }
  }
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${crypto.randomUUID()}.tmp`);
  try {
    Deno.mkdirSync(dir, { recursive: true });
    const f = Deno.openSync(tmp, { write: true, createNew: true, mode });
    try {
      const bytes = new TextEncoder().encode(doc.toString({ flowCollectionPadding: false }));
      for (let done = 0; done < bytes.length;) done += f.writeSync(bytes.subarray(done));
      f.syncSync();
    } finally {
      f.close();
    }
    Deno.renameSync(tmp, target);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch { /* never created, or already renamed */ }
    throw unwritable(file, e);
  }
}

function unwritable(file: string, e: unknown): ConfigError {
  return new ConfigError(file, `cannot be updated: ${(e as Error).message}`, { cause: e });
}

/**
 * Plugin metadata is untrusted: without this a description could carry escape sequences that
 * repaint the prompt (show "KilnRead" where the request is "Unsafe") or bidi controls that reorder
 * it. Control characters are shown as escapes, and long text is cut.
 */
function terminalSafe(text: string, max = 200): string {
  return terminalText(text, { max });
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
  readonly #trusted: Set<string>;
  readonly #remembered: RememberedApproval[];
  readonly #file: string;
  readonly #interactive: boolean;
  readonly #flags: { plugin: string; capability: string; raw: string }[];
  readonly #yes: boolean;
  readonly #timeoutMs: number;
  readonly #session = new Set<string>();

  /** @throws {InvalidParamsError} when an `approve` value is malformed. */
  constructor(options: ApprovalOptions) {
    this.#trusted = new Set(options.config.trusted);
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
    return JSON.stringify([req.plugin, capabilityParts(req.capability), req.hash.toLowerCase()]);
  }

  #settled(req: ApprovalRequest): ApprovalOutcome | null {
    const who = `plugin ${terminalSafe(req.plugin, 80)}`;
    const what = terminalSafe(req.capability, 120);
    if (this.#trusted.has(req.plugin)) {
      return allow("trusted", `${who} is trusted in ${this.#file}: ${what} approved`);
    }
    if (this.#yes) return allow("yes", `${what} approved for ${who} by --yes`);
    const flag = this.#flags.find((f) =>
      f.plugin === req.plugin && flagCovers(f.capability, req.capability)
    );
    if (flag) {
      return allow("flag", `${what} approved for ${who} by --approve ${shellArg(flag.raw)}`);
    }
    const memory = this.#remembered.find((r) =>
      r.plugin === req.plugin && sameCapability(r.capability, req.capability) &&
      sameHash(r.hash, req.hash)
    );
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
    const stale = this.#remembered.some((r) =>
      r.plugin === req.plugin && sameCapability(r.capability, req.capability)
    );
    return `plugin ${name} asked for ${what}, which is not approved` +
      (stale
        ? ` (an "Always" answer was given for an earlier version; the plugin has changed)`
        : "") +
      `: run with --approve ${shellArg(`${name}:${what}`)} (or --yes), ${extra}, ` +
      `or add ${name} to trusted in ${this.#file}`;
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
        const entry = {
          plugin: req.plugin,
          capability: req.capability,
          hash: req.hash,
          at: new Date().toISOString(),
        };
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
        const i = this.#remembered.findIndex((r) =>
          r.plugin === req.plugin && sameCapability(r.capability, req.capability)
        );
        if (i >= 0) this.#remembered.splice(i, 1);
        this.#remembered.push(entry);
        return allow(
          "always",
          `${what} approved for plugin ${name} and remembered for this version in ${this.#file}`,
        );
      }
      case "timeout":
        return refuse(
          "timeout",
          `plugin ${name} asked for ${what} and the prompt timed out after ` +
            `${seconds(this.#timeoutMs)} with no answer, so it was denied: answer within the ` +
            `time, set approvals.timeout in ${this.#file}, or run with --approve ` +
            shellArg(`${name}:${what}`),
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
  const capName = capabilityParts(req.capability).name;
  const info = CAPABILITY_NAMES.find((n) => n.toLowerCase() === capName);
  const summary = info ? `: ${CAPABILITY_INFO[info].summary}` : "";
  const row = (label: string, value: string) => `  ${dim(label.padEnd(11))} ${value}\n`;
  process.stderr.write(
    `\n${bold(`Plugin ${name}`)} ${terminalSafe(req.version, 40)} ` +
      dim(`(sha256 ${terminalSafe(req.hash, 64).slice(0, 12)}…)`) + " asks for approval\n" +
      (req.description.trim() ? `  ${terminalSafe(req.description, 300)}\n` : "") +
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
        { name: "Always (remember for this version of the plugin)", value: "always" },
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
