/**
 * Approvals for calls that come from an agent. Everything the CLI honours still applies first
 * (trusted plugins, remembered "Always" answers, `--approve`/`--yes` given to `cru mcp`). What is
 * left is asked of the person through the client (MCP elicitation: once / always / deny, 30 s,
 * no answer is a deny); a client that cannot ask gets a refusal that says how to approve.
 *
 * @module
 */
import {
  alwaysAnswer,
  ApprovalBroker,
  type ApprovalOutcome,
  type ApprovalRequest,
  rememberApproval,
  shadowsInstalled,
} from "../security/approvals.ts";
import type { Approver } from "../sandbox/invoke.ts";
import type { Config } from "../config/config.ts";

/** The person's answer, as the client reports it. */
export type AgentAnswer = "once" | "always" | "deny" | "timeout";

/** Asks the person through the client; null when the client cannot ask. */
export type AskUser = (req: ApprovalRequest, timeoutMs: number) => Promise<AgentAnswer> | null;

/** Options of {@link AgentApprover}. */
export interface AgentApproverOptions {
  /** The loaded configuration. */
  config: Config;
  /** The user config file, where "Always" answers are remembered. */
  userConfigFile: string;
  /** `--approve` values of `cru mcp`. */
  approve?: string[];
  /** `--yes` of `cru mcp`. */
  yes?: boolean;
  /** How long the person has to answer (default 30 000 ms). */
  timeoutMs?: number;
  /** Asks the person (elicitation); null or absent: never asks. */
  ask?: AskUser;
}

function quoted(s: string): string {
  return JSON.stringify(s);
}

/**
 * The approver of an agent session.
 *
 * @example
 * ```ts ignore
 * import { AgentApprover } from "./approvals.ts";
 * const approver = new AgentApprover({ config, userConfigFile: userConfigFile() });
 * // no elicitation: a risky capability is refused, saying how to approve it
 * ```
 */
export class AgentApprover implements Approver {
  #broker: ApprovalBroker;
  #o: AgentApproverOptions;
  #once = new Set<string>();

  /** @throws {InvalidParamsError} when an `approve` value is malformed. */
  constructor(options: AgentApproverOptions) {
    this.#o = options;
    this.#broker = new ApprovalBroker({
      config: options.config,
      userConfigFile: options.userConfigFile,
      interactive: false,
      approve: options.approve,
      yes: options.yes,
    });
  }

  /** Settle one request. */
  async request(req: ApprovalRequest): Promise<ApprovalOutcome> {
    const settled = await this.#broker.request(req);
    if (settled.approved) return settled;
    const key = JSON.stringify([req.plugin, req.capability, req.hash]);
    const what = `${req.capability} for plugin ${req.plugin}`;
    if (this.#once.has(key)) {
      return { approved: true, decision: "session", message: `${what} approved earlier` };
    }
    const asked = this.#o.ask?.(req, this.#o.timeoutMs ?? 30_000) ?? null;
    if (asked === null) {
      return {
        approved: false,
        decision: "non-interactive",
        message: `plugin ${req.plugin} asked for ${req.capability}, which is not approved, and ` +
          `this MCP client cannot ask you (it does not support elicitation): add ` +
          `"--approve", ${
            quoted(`${shadowsInstalled(req) ? "kiln:" : ""}${req.plugin}:${req.capability}`)
          } to the cru mcp command ` +
          `in the client's configuration, or run cru plugins run ${req.plugin} in a terminal ` +
          `and answer "Always", or add ${req.plugin} to trusted in ${this.#o.userConfigFile}`,
      };
    }
    const answer = await asked;
    switch (answer) {
      case "once":
        this.#once.add(key);
        return { approved: true, decision: "once", message: `${what} approved once` };
      case "always":
        this.#once.add(key);
        rememberApproval(this.#o.userConfigFile, alwaysAnswer(req));
        return {
          approved: true,
          decision: "always",
          message: `${what} approved and remembered in ${this.#o.userConfigFile}`,
        };
      case "timeout":
        return {
          approved: false,
          decision: "timeout",
          message: `plugin ${req.plugin} asked for ${req.capability} and no answer came within ` +
            `${Math.round((this.#o.timeoutMs ?? 30_000) / 1000)} s: denied`,
        };
      default:
        return {
          approved: false,
          decision: "deny",
          message: `plugin ${req.plugin} was denied ${req.capability} by the user`,
        };
    }
  }
}
