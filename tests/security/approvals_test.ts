/**
 * Approvals without a terminal: every way a request is settled before a prompt would be drawn,
 * against a real config folder read by the real loadConfig, and the "Always" persistence on disk.
 * The prompt itself is tested in a real terminal in approval_prompt_test.ts.
 */
import { deepStrictEqual, match, ok, strictEqual, throws } from "node:assert/strict";
import * as path from "node:path";
import { parse } from "yaml";
import { loadConfig } from "../../src/config/config.ts";
import type { Config } from "../../src/config/config.ts";
import { ConfigError, InvalidParamsError } from "../../src/errors.ts";
import {
  ApprovalBroker,
  type ApprovalOptions,
  type ApprovalRequest,
  parseApproveFlag,
  rememberApproval,
} from "../../src/security/approvals.ts";

const HASH = "3f2a".padEnd(64, "0");
const OTHER_HASH = "9b1c".padEnd(64, "0");
const SYSTEM_FILE = "/home/me/.config/crucible/plugins/dice-roller.rune";
/** The identity fields of a remembered entry for the default request's copy. */
const COPY = `scope: system, path: ${SYSTEM_FILE}`;

/** A config folder in a temp dir, read through loadConfig exactly as cru reads it. */
function tempConfig(yaml?: string): { dir: string; file: string; config(): Config } & Disposable {
  const dir = Deno.makeTempDirSync({ prefix: "cru-approvals-" });
  const file = path.join(dir, "config.yaml");
  if (yaml !== undefined) Deno.writeTextFileSync(file, yaml);
  const env = (name: string) => (name === "CRUCIBLE_CONFIG_DIR" ? dir : undefined);
  return {
    dir,
    file,
    config: () => loadConfig({ env }),
    [Symbol.dispose]: () => Deno.removeSync(dir, { recursive: true }),
  };
}

function broker(
  cfg: { file: string; config(): Config },
  options: Partial<ApprovalOptions> = {},
): ApprovalBroker {
  return new ApprovalBroker({
    config: cfg.config(),
    userConfigFile: cfg.file,
    interactive: false,
    ...options,
  });
}

function request(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    plugin: "dice-roller",
    version: "1.0.0",
    description: "Roll dice",
    hash: HASH,
    scope: "system",
    file: SYSTEM_FILE,
    shadows: [],
    capability: "KilnWrite",
    risk: "high",
    operation: "write notes in the kiln",
    impact: "can change or create any note (undoable with cru undo)",
    ...overrides,
  };
}

function files(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

// --- settled without a prompt --------------------------------------------------------------------

Deno.test("approvals: a trusted plugin is approved; trust is per plugin", async () => {
  using cfg = tempConfig("trusted: [dice-roller]\n");
  const b = broker(cfg);
  const yes = await b.request(request({ capability: "Unsafe", risk: "critical" }));
  deepStrictEqual([yes.approved, yes.decision], [true, "trusted"]);
  match(yes.message, /trusted/);
  const other = await b.request(request({ plugin: "citations" }));
  deepStrictEqual([other.approved, other.decision], [false, "non-interactive"]);
});

Deno.test("approvals: --yes approves everything", async () => {
  using cfg = tempConfig();
  const b = broker(cfg, { yes: true });
  for (const capability of ["KilnWrite", "NetworkHttps(api.crossref.org)", "Unsafe"]) {
    const o = await b.request(request({ capability }));
    deepStrictEqual([o.approved, o.decision], [true, "yes"], capability);
  }
});

Deno.test("approvals: trusted is checked before --yes, --yes before --approve", async () => {
  using cfg = tempConfig("trusted: [dice-roller]\n");
  const both = broker(cfg, { yes: true, approve: ["dice-roller:KilnWrite"] });
  strictEqual((await both.request(request())).decision, "trusted");
  strictEqual((await both.request(request({ plugin: "citations" }))).decision, "yes");
});

Deno.test("approvals: --approve with a bare name approves every scope of it", async () => {
  using cfg = tempConfig();
  const b = broker(cfg, { approve: ["citations:NetworkHttps"] });
  const o = await b.request(
    request({ plugin: "citations", capability: "NetworkHttps(api.crossref.org, doi.org)" }),
  );
  deepStrictEqual([o.approved, o.decision], [true, "flag"]);
  match(o.message, /--approve citations:NetworkHttps/);
});

Deno.test("approvals: --approve with a display form approves only that scope", async () => {
  using cfg = tempConfig();
  const b = broker(cfg, { approve: ["citations:NetworkHttps(api.crossref.org,doi.org)"] });
  const same = await b.request(
    request({ plugin: "citations", capability: "NetworkHttps(api.crossref.org, doi.org)" }),
  );
  deepStrictEqual([same.approved, same.decision], [true, "flag"]);
  const wider = await b.request(
    request({ plugin: "citations", capability: "NetworkHttps(evil.example)" }),
  );
  deepStrictEqual([wider.approved, wider.decision], [false, "non-interactive"]);
});

Deno.test("approvals: --approve for another plugin or capability does not match", async () => {
  using cfg = tempConfig();
  const b = broker(cfg, { approve: ["dice-roller:KilnRead", "citations:KilnWrite"] });
  const o = await b.request(request());
  deepStrictEqual([o.approved, o.decision], [false, "non-interactive"]);
  // A name is matched whole: NetworkHttp does not cover NetworkHttps.
  const http = broker(cfg, { approve: ["dice-roller:NetworkHttp"] });
  strictEqual((await http.request(request({ capability: "NetworkHttps(a.org)" }))).approved, false);
});

Deno.test("approvals: --approve works for limits too", async () => {
  using cfg = tempConfig();
  const b = broker(cfg, { approve: ["dice-roller:limits.memory"] });
  const o = await b.request(request({ capability: "limits.memory(512MB)" }));
  deepStrictEqual([o.approved, o.decision], [true, "flag"]);
  strictEqual((await b.request(request({ capability: "limits.timeout(5m)" }))).approved, false);
});

Deno.test("approvals: a malformed --approve fails when the broker is built", () => {
  using cfg = tempConfig();
  throws(() => broker(cfg, { approve: ["KilnWrite"] }), InvalidParamsError);
});

Deno.test("approvals: a remembered answer for the same content hash approves", async () => {
  using cfg = tempConfig(
    `approvals:\n  remembered:\n    - { plugin: dice-roller, capability: KilnWrite, hash: ${HASH}, ` +
      `${COPY}, at: "2025-01-02T03:04:05Z" }\n`,
  );
  const o = await broker(cfg).request(request());
  deepStrictEqual([o.approved, o.decision], [true, "remembered"]);
  match(o.message, /2025-01-02T03:04:05Z/);
  // The same hash for another capability or plugin is not covered.
  strictEqual((await broker(cfg).request(request({ capability: "FsRead(/tmp)" }))).approved, false);
  strictEqual((await broker(cfg).request(request({ plugin: "dice-roller-2" }))).approved, false);
});

Deno.test("approvals: a remembered answer for another hash (edited plugin) does not count", async () => {
  using cfg = tempConfig(
    `approvals:\n  remembered:\n    - plugin: dice-roller\n      capability: KilnWrite\n` +
      `      hash: ${OTHER_HASH}\n      scope: system\n      path: ${SYSTEM_FILE}\n`,
  );
  const o = await broker(cfg).request(request());
  deepStrictEqual([o.approved, o.decision], [false, "non-interactive"]);
  match(o.message, /earlier version; the plugin has changed/);
});

Deno.test("approvals: a remembered scoped capability matches only that scope", async () => {
  using cfg = tempConfig(
    `approvals:\n  remembered:\n    - plugin: citations\n` +
      `      capability: "NetworkHttps(api.crossref.org)"\n      hash: ${HASH}\n` +
      `      scope: system\n      path: ${SYSTEM_FILE}\n`,
  );
  const b = broker(cfg);
  const same = await b.request(
    request({ plugin: "citations", capability: "NetworkHttps(api.crossref.org)" }),
  );
  strictEqual(same.decision, "remembered");
  const other = await b.request(
    request({ plugin: "citations", capability: "NetworkHttps(api.crossref.org, evil.example)" }),
  );
  strictEqual(other.approved, false);
});

Deno.test("approvals: remembered answers are read from the user config, never the kiln's", async () => {
  using cfg = tempConfig();
  const kiln = Deno.makeTempDirSync({ prefix: "cru-kiln-" });
  try {
    Deno.mkdirSync(path.join(kiln, ".crucible"));
    Deno.writeTextFileSync(
      path.join(kiln, ".crucible", "config.yaml"),
      `trusted: [dice-roller]\napprovals:\n  remembered:\n` +
        `    - { plugin: dice-roller, capability: KilnWrite, hash: ${HASH}, ${COPY} }\n`,
    );
    const env = (name: string) => (name === "CRUCIBLE_CONFIG_DIR" ? cfg.dir : undefined);
    const b = new ApprovalBroker({
      config: loadConfig({ kilnRoot: kiln, env }),
      userConfigFile: cfg.file,
      interactive: false,
    });
    strictEqual((await b.request(request())).decision, "non-interactive");
  } finally {
    Deno.removeSync(kiln, { recursive: true });
  }
});

// --- refusals ------------------------------------------------------------------------------------

Deno.test("approvals: non-interactive refusal names every way to approve", async () => {
  using cfg = tempConfig();
  const o = await broker(cfg).request(request());
  strictEqual(o.approved, false);
  strictEqual(o.decision, "non-interactive");
  strictEqual(
    o.message,
    `plugin dice-roller asked for KilnWrite, which is not approved: run with --approve ` +
      `dice-roller:KilnWrite (or --yes), answer the prompt in a terminal, or add dice-roller to ` +
      `trusted in ${cfg.file}`,
  );
});

Deno.test("approvals: a scoped capability in the refusal is quoted for the shell", async () => {
  using cfg = tempConfig();
  const o = await broker(cfg).request(
    request({ plugin: "citations", capability: "NetworkHttps(api.crossref.org)" }),
  );
  match(o.message, /--approve 'citations:NetworkHttps\(api\.crossref\.org\)' \(or --yes\)/);
  // And the suggested flag really approves it.
  const flag = "citations:NetworkHttps(api.crossref.org)";
  const again = await broker(cfg, { approve: [flag] }).request(
    request({ plugin: "citations", capability: "NetworkHttps(api.crossref.org)" }),
  );
  strictEqual(again.decision, "flag");
});

Deno.test("approvals: terminal escapes in plugin data never reach the message", async () => {
  using cfg = tempConfig();
  const o = await broker(cfg).request(request({ plugin: "evil\x1b[2J\u202Ename" }));
  strictEqual(o.approved, false);
  ok(!o.message.includes("\x1b") && !o.message.includes("\u202E"), JSON.stringify(o.message));
});

Deno.test("approvals: nothing is written to the config when nothing is answered", async () => {
  using cfg = tempConfig("trusted: []\n");
  await broker(cfg).request(request());
  await broker(cfg, { yes: true }).request(request());
  strictEqual(Deno.readTextFileSync(cfg.file), "trusted: []\n");
  deepStrictEqual(files(cfg.dir), ["config.yaml"]);
});

// --- remembering "Always" ------------------------------------------------------------------------

Deno.test("approvals: rememberApproval creates the folder and file, and cru reads it back", async () => {
  using cfg = tempConfig();
  const nested = path.join(cfg.dir, "new", "crucible");
  const file = path.join(nested, "config.yaml");
  const entry = {
    plugin: "dice-roller",
    capability: "KilnWrite",
    hash: HASH,
    scope: "system" as const,
    path: SYSTEM_FILE,
    at: "2025-01-02T03:04:05.000Z",
  };
  rememberApproval(file, entry);
  const config = loadConfig({ env: (n) => (n === "CRUCIBLE_CONFIG_DIR" ? nested : undefined) });
  deepStrictEqual(config.approvals.remembered, [entry]);
  const b = new ApprovalBroker({ config, userConfigFile: file, interactive: false });
  strictEqual((await b.request(request())).decision, "remembered");
  deepStrictEqual(files(nested), ["config.yaml"], "no temp file left behind");
});

Deno.test("approvals: rememberApproval replaces an entry with an old hash instead of adding", () => {
  using cfg = tempConfig(
    `approvals:\n  remembered:\n` +
      `    - { plugin: dice-roller, capability: KilnWrite, hash: ${OTHER_HASH} }\n` +
      `    - { plugin: dice-roller, capability: "FsRead(/tmp)", hash: ${OTHER_HASH} }\n` +
      `    - { plugin: citations, capability: KilnWrite, hash: ${OTHER_HASH} }\n`,
  );
  rememberApproval(cfg.file, { plugin: "dice-roller", capability: "KilnWrite", hash: HASH });
  deepStrictEqual(cfg.config().approvals.remembered, [
    { plugin: "dice-roller", capability: "FsRead(/tmp)", hash: OTHER_HASH },
    { plugin: "citations", capability: "KilnWrite", hash: OTHER_HASH },
    { plugin: "dice-roller", capability: "KilnWrite", hash: HASH },
  ]);
});

Deno.test("approvals: rememberApproval keeps comments and every other setting", () => {
  const before = [
    "# my cru settings",
    "trusted: [my-own-plugin] # I wrote this one",
    "",
    "sandbox:",
    "  memory: 200MB # big notes",
    "approvals:",
    "  timeout: 45s # I read slowly",
    "  remembered:",
    `    - plugin: citations # the bibliography one`,
    `      capability: "NetworkHttps(api.crossref.org)"`,
    `      hash: ${OTHER_HASH}`,
    "future_key: { kept: true } # a newer cru wrote this",
    "",
  ].join("\n");
  using cfg = tempConfig(before);
  rememberApproval(cfg.file, { plugin: "dice-roller", capability: "KilnWrite", hash: HASH });
  const after = Deno.readTextFileSync(cfg.file);
  for (
    const comment of [
      "# my cru settings",
      "# I wrote this one",
      "# big notes",
      "# I read slowly",
      "# the bibliography one",
      "# a newer cru wrote this",
    ]
  ) {
    ok(after.includes(comment), `comment "${comment}" lost:\n${after}`);
  }
  const data = parse(after);
  deepStrictEqual(data.trusted, ["my-own-plugin"]);
  deepStrictEqual(data.future_key, { kept: true });
  strictEqual(data.sandbox.memory, "200MB");
  strictEqual(data.approvals.timeout, "45s");
  deepStrictEqual(data.approvals.remembered, [
    { plugin: "citations", capability: "NetworkHttps(api.crossref.org)", hash: OTHER_HASH },
    { plugin: "dice-roller", capability: "KilnWrite", hash: HASH },
  ]);
  strictEqual(cfg.config().approvals.timeout, 45_000);
});

Deno.test("approvals: rememberApproval fills in an empty or comment-only file", () => {
  for (const before of ["", "# nothing yet\n", "approvals:\n", "approvals:\n  timeout: 10s\n"]) {
    using cfg = tempConfig(before);
    rememberApproval(cfg.file, { plugin: "dice-roller", capability: "KilnWrite", hash: HASH });
    deepStrictEqual(
      cfg.config().approvals.remembered,
      [{ plugin: "dice-roller", capability: "KilnWrite", hash: HASH }],
      JSON.stringify(before),
    );
  }
});

Deno.test("approvals: a hash that looks like a number stays a string", () => {
  using cfg = tempConfig();
  const hash = "1".repeat(64);
  rememberApproval(cfg.file, { plugin: "dice-roller", capability: "KilnWrite", hash });
  strictEqual(cfg.config().approvals.remembered[0].hash, hash);
});

Deno.test("approvals: rememberApproval refuses a broken config and leaves it untouched", () => {
  for (const before of ["approvals: [unclosed\n", "approvals: 3\n", "- a list\n"]) {
    using cfg = tempConfig(before);
    throws(
      () =>
        rememberApproval(cfg.file, { plugin: "dice-roller", capability: "KilnWrite", hash: HASH }),
      (e) => e instanceof ConfigError && e.message.startsWith(cfg.file),
    );
    strictEqual(Deno.readTextFileSync(cfg.file), before);
    deepStrictEqual(files(cfg.dir), ["config.yaml"]);
  }
});

Deno.test("approvals: rememberApproval updates a symlinked config where it points", () => {
  using cfg = tempConfig();
  const real = path.join(cfg.dir, "dotfiles-config.yaml");
  Deno.writeTextFileSync(real, "trusted: [mine]\n");
  Deno.symlinkSync(real, cfg.file);
  rememberApproval(cfg.file, { plugin: "dice-roller", capability: "KilnWrite", hash: HASH });
  ok(Deno.lstatSync(cfg.file).isSymlink, "the symlink is kept");
  strictEqual(cfg.config().approvals.remembered.length, 1);
  deepStrictEqual(cfg.config().trusted, [{ plugin: "mine" }]);
});

// --- --approve values ----------------------------------------------------------------------------

Deno.test("approvals: parseApproveFlag reads names and display forms", () => {
  deepStrictEqual(parseApproveFlag("dice-roller:KilnWrite"), {
    plugin: "dice-roller",
    capability: "KilnWrite",
  });
  deepStrictEqual(parseApproveFlag(" citations : networkhttps(api.crossref.org, doi.org) "), {
    plugin: "citations",
    capability: "NetworkHttps(api.crossref.org, doi.org)",
  });
  // A port in the scope is not a second separator.
  deepStrictEqual(parseApproveFlag("dev-tool:NetworkHttp(localhost:8080)"), {
    plugin: "dev-tool",
    capability: "NetworkHttp(localhost:8080)",
  });
  deepStrictEqual(parseApproveFlag("big:limits.memory(512MB)"), {
    plugin: "big",
    capability: "limits.memory(512MB)",
  });
});

Deno.test("approvals: parseApproveFlag explains malformed values", () => {
  const cases: [string, RegExp][] = [
    ["KilnWrite", /is not PLUGIN:CAPABILITY; write e\.g\. --approve dice-roller:KilnWrite/],
    [":KilnWrite", /"" is not a plugin name/],
    ["Dice Roller:KilnWrite", /"Dice Roller" is not a plugin name/],
    ["dice-roller:", /"" is not a capability/],
    ["dice-roller:KilnWrit", /unknown capability "KilnWrit"; did you mean dice-roller:KilnWrite\?/],
    ["dice-roller:Teleport", /unknown capability "Teleport"; valid: KilnRead, KilnWrite/],
    ["citations:NetworkHttps(api.crossref.org", /is not a capability/],
    ["citations:NetworkHttps()", /is not a capability/],
    ["citations:NetworkHttps(a)(b)", /is not a capability/],
  ];
  for (const [value, message] of cases) {
    throws(
      () => parseApproveFlag(value),
      (e) =>
        e instanceof InvalidParamsError && e.code === "E_INVALID_PARAMS" && message.test(e.message),
      value,
    );
  }
});
