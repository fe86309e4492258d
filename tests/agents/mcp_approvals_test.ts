/**
 * Risky capabilities asked for by agent calls through `cru mcp`: refused with directions when the
 * client cannot ask, approved by `--approve`, and asked through elicitation when it can
 * (once / always / deny, no answer is a deny). Real CLI, real client, real worker.
 */
import { deepStrictEqual, match, ok } from "node:assert/strict";
import * as path from "node:path";
import { exists, tempKiln } from "../helpers.ts";
import { auditEvents, NOTE_WRITER, startCruMcp } from "./mcp_helpers.ts";

type ToolResult = {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
};

function kilnWithWriter() {
  return tempKiln({
    "Home.md": "# Home\n",
    ".crucible/plugins/note-writer.lua": NOTE_WRITER,
  });
}

Deno.test("cru mcp: a client without elicitation is refused KilnWrite, told how to approve", async () => {
  using kiln = kilnWithWriter();
  await using mcp = await startCruMcp(kiln.root);
  const r = await mcp.client.callTool({
    name: "note-writer",
    arguments: { path: "Agent.md" },
  }) as ToolResult;
  deepStrictEqual(r.isError, true);
  match(r.content[0].text, /^E_APPROVAL_DENIED: plugin note-writer asked for KilnWrite/);
  match(r.content[0].text, /cannot ask you/);
  match(r.content[0].text, /"--approve", "note-writer:KilnWrite"/);
  ok(!exists(path.join(kiln.root, "Agent.md")), "the note was written anyway");
  const refused = auditEvents(kiln.root).find((e) => e.kind === "invocation.end");
  deepStrictEqual((refused?.error as { code: string }).code, "E_APPROVAL_DENIED");
});

Deno.test("cru mcp --approve lets agent calls write; a dry run only reports", async () => {
  using kiln = kilnWithWriter();
  await using mcp = await startCruMcp(kiln.root, { args: ["--approve", "note-writer:KilnWrite"] });
  const dry = await mcp.client.callTool({
    name: "note-writer",
    arguments: { path: "Dry.md" },
    _meta: { "cru/dryRun": true },
  }) as ToolResult & { _meta?: Record<string, unknown> };
  deepStrictEqual(dry.structuredContent, { written: "Dry.md" });
  deepStrictEqual(dry._meta?.["cru/dryRun"], true);
  deepStrictEqual(dry._meta?.["cru/writes"], [
    { path: "Dry.md", kind: "note", created: true, after: "written for an agent\n" },
  ]);
  ok(!exists(path.join(kiln.root, "Dry.md")), "a dry run wrote the note");
  const r = await mcp.client.callTool({
    name: "note-writer",
    arguments: { path: "Agent.md" },
  }) as ToolResult & { _meta?: Record<string, unknown> };
  deepStrictEqual(r.structuredContent, { written: "Agent.md" });
  deepStrictEqual(
    Deno.readTextFileSync(path.join(kiln.root, "Agent.md")),
    "written for an agent\n",
  );
  // The write is journaled: the result names the entry cru undo reverts.
  const [write] = r._meta?.["cru/writes"] as { path: string; journal?: string }[];
  deepStrictEqual(write.path, "Agent.md");
  match(write.journal ?? "", /\S/);
});

Deno.test("cru mcp asks through elicitation: once, always, deny and no answer", async (t) => {
  using kiln = kilnWithWriter();
  const home = Deno.makeTempDirSync({ prefix: "cru-mcp-home-" });
  using _home = { [Symbol.dispose]: () => Deno.removeSync(home, { recursive: true }) };
  // A short timeout, so that the unanswered question is settled quickly.
  const configDir = path.join(home, ".config", "crucible");
  Deno.mkdirSync(configDir, { recursive: true });
  Deno.writeTextFileSync(path.join(configDir, "config.yaml"), "approvals:\n  timeout: 2s\n");
  let answer: "once" | "always" | "deny" | "silence" | "decline" = "once";
  const asked: string[] = [];
  await using mcp = await startCruMcp(kiln.root, {
    home,
    elicit: async (req) => {
      asked.push(req.params.message);
      if (answer === "silence") {
        await new Promise((r) => setTimeout(r, 4000));
        return { action: "cancel" };
      }
      if (answer === "decline") return { action: "decline" };
      return { action: "accept", content: { decision: answer } };
    },
  });
  const write = async (note: string) =>
    await mcp.client.callTool({ name: "note-writer", arguments: { path: note } }) as ToolResult;

  await t.step("deny: refused, nothing written", async () => {
    answer = "deny";
    const r = await write("Denied.md");
    deepStrictEqual(r.isError, true);
    match(r.content[0].text, /^E_APPROVAL_DENIED: plugin note-writer was denied KilnWrite/);
    ok(!exists(path.join(kiln.root, "Denied.md")));
    match(asked[0], /note-writer .*KilnWrite \(high risk\)/);
  });

  await t.step("decline: refused", async () => {
    answer = "decline";
    const r = await write("Declined.md");
    deepStrictEqual(r.isError, true);
    ok(!exists(path.join(kiln.root, "Declined.md")));
  });

  await t.step("no answer within the timeout: refused", async () => {
    answer = "silence";
    const r = await write("Silence.md");
    deepStrictEqual(r.isError, true);
    match(r.content[0].text, /no answer came within 2 s/);
    ok(!exists(path.join(kiln.root, "Silence.md")));
  });

  await t.step("once: written, and not asked again in this session", async () => {
    answer = "once";
    const before = asked.length;
    const r = await write("Once.md");
    deepStrictEqual(r.structuredContent, { written: "Once.md" });
    ok(exists(path.join(kiln.root, "Once.md")));
    answer = "deny";
    const again = await write("Again.md");
    deepStrictEqual(again.structuredContent, { written: "Again.md" });
    deepStrictEqual(asked.length, before + 1);
    const remembered = Deno.readTextFileSync(path.join(configDir, "config.yaml"));
    ok(!remembered.includes("note-writer"), "a once answer was remembered");
  });
});

Deno.test("cru mcp: an always answer is remembered in the user config for later sessions", async () => {
  using kiln = kilnWithWriter();
  const home = Deno.makeTempDirSync({ prefix: "cru-mcp-home-" });
  try {
    {
      await using mcp = await startCruMcp(kiln.root, {
        home,
        elicit: () => Promise.resolve({ action: "accept", content: { decision: "always" } }),
      });
      const r = await mcp.client.callTool({
        name: "note-writer",
        arguments: { path: "Always.md" },
      }) as ToolResult;
      deepStrictEqual(r.structuredContent, { written: "Always.md" });
    }
    const config = Deno.readTextFileSync(path.join(home, ".config", "crucible", "config.yaml"));
    match(config, /plugin: note-writer/);
    // A later session of a client that cannot ask is approved by the remembered answer.
    await using later = await startCruMcp(kiln.root, { home });
    const r = await later.client.callTool({
      name: "note-writer",
      arguments: { path: "Later.md" },
    }) as ToolResult;
    deepStrictEqual(r.structuredContent, { written: "Later.md" });
  } finally {
    Deno.removeSync(home, { recursive: true });
  }
});
