/**
 * `install_plugin` through `cru mcp`: the user confirms through elicitation (accepted, declined,
 * unanswered); a client that cannot ask is refused; an accepted install is marked
 * `generated_by: agent`, announced with tools/list_changed, callable, and audited as the agent's.
 */
import { deepStrictEqual, match, ok } from "node:assert/strict";
import * as path from "node:path";
import {
  type ElicitRequest,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { tempKiln } from "../helpers.ts";
import { auditEvents, startCruMcp, until } from "./mcp_helpers.ts";

const ECHO = `---
name: echo-back
description: Echo a word back
version: 0.2.0
language: lua
capabilities: [KilnRead, KilnWrite]
parameters:
  word: {type: string, required: true}
examples:
  - input: {word: hi}
    output: {echo: hi}
---
function main(params)
  return {echo = params.word}
end
`;

type ToolResult = {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
};

function installedFiles(kiln: string): string[] {
  try {
    return [...Deno.readDirSync(path.join(kiln, ".crucible", "plugins"))].map((e) => e.name);
  } catch {
    return [];
  }
}

Deno.test("install_plugin asks the user; only a yes installs", async (t) => {
  using kiln = tempKiln({ "Home.md": "# Home\n" });
  const home = Deno.makeTempDirSync({ prefix: "cru-mcp-home-" });
  using _home = { [Symbol.dispose]: () => Deno.removeSync(home, { recursive: true }) };
  const configDir = path.join(home, ".config", "crucible");
  Deno.mkdirSync(configDir, { recursive: true });
  Deno.writeTextFileSync(path.join(configDir, "config.yaml"), "approvals:\n  timeout: 2s\n");
  let answer: "yes" | "no" | "decline" | "silence" = "no";
  const questions: string[] = [];
  await using mcp = await startCruMcp(kiln.root, {
    home,
    clientName: "installer-agent",
    elicit: async (req: ElicitRequest) => {
      questions.push(req.params.message);
      if (answer === "silence") {
        await new Promise((r) => setTimeout(r, 4000));
        return { action: "cancel" };
      }
      if (answer === "decline") return { action: "decline" };
      return { action: "accept", content: { install: answer === "yes" } };
    },
  });
  let changed = 0;
  mcp.client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    changed++;
  });
  const install = async (source = ECHO) =>
    await mcp.client.callTool({
      name: "install_plugin",
      arguments: { language: "lua", source },
    }) as ToolResult;

  await t.step("the question shows capabilities and risk; no installs nothing", async () => {
    answer = "no";
    const r = await install();
    deepStrictEqual(r.isError, true);
    match(r.content[0].text, /^E_APPROVAL_DENIED: plugin echo-back was not installed: the user/);
    match(questions[0], /Install plugin echo-back 0\.2\.0 into this kiln's plugins\?/);
    match(questions[0], /KilnWrite \(high risk\)/);
    deepStrictEqual(installedFiles(kiln.root), []);
  });

  await t.step("declined or unanswered: nothing installed", async () => {
    answer = "decline";
    deepStrictEqual((await install()).isError, true);
    answer = "silence";
    const r = await install();
    deepStrictEqual(r.isError, true);
    match(r.content[0].text, /no answer came in time/);
    deepStrictEqual(installedFiles(kiln.root), []);
  });

  await t.step("a plugin that fails its checks is not installed, and nobody is asked", async () => {
    const before = questions.length;
    const r = await install(ECHO.replace("output: {echo: hi}", "output: {echo: bye}"));
    deepStrictEqual(r.isError, true);
    match(r.content[0].text, /^E_INVALID_PARAMS: plugin echo-back was not installed: test/);
    deepStrictEqual(questions.length, before);
    deepStrictEqual(installedFiles(kiln.root), []);
  });

  await t.step("yes: installed, marked, announced, callable, audited", async () => {
    answer = "yes";
    const r = await install();
    deepStrictEqual(r.isError, undefined, r.content[0].text);
    deepStrictEqual(r.structuredContent?.installed, true);
    deepStrictEqual(installedFiles(kiln.root), ["echo-back.lua"]);
    const text = Deno.readTextFileSync(
      path.join(kiln.root, ".crucible", "plugins", "echo-back.lua"),
    );
    ok(text.startsWith("---\ngenerated_by: agent\nname: echo-back\n"), text);
    await until("tools/list_changed", () => changed > 0);
    const { tools } = await mcp.client.listTools() as { tools: { name: string }[] };
    ok(tools.some((x) => x.name === "echo-back"));
    const call = await mcp.client.callTool({
      name: "echo-back",
      arguments: { word: "hey" },
    }) as ToolResult;
    deepStrictEqual(call.structuredContent, { echo: "hey" });
    const event = auditEvents(kiln.root).find((e) => e.kind === "install");
    ok(event, "no install event in the audit log");
    deepStrictEqual(event.plugin, "echo-back");
    deepStrictEqual(event.invoker, { kind: "agent", name: "installer-agent" });
    deepStrictEqual(event.target, path.join(kiln.root, ".crucible", "plugins", "echo-back.lua"));
  });

  await t.step("installing the same name again needs replace", async () => {
    const r = await install();
    deepStrictEqual(r.isError, true);
    match(r.content[0].text, /^E_CONFLICT/);
  });
});

Deno.test("install_plugin: a client without elicitation is told how to install by hand", async () => {
  using kiln = tempKiln({ "Home.md": "# Home\n" });
  await using mcp = await startCruMcp(kiln.root);
  const r = await mcp.client.callTool({
    name: "install_plugin",
    arguments: { language: "lua", source: ECHO },
  }) as ToolResult;
  deepStrictEqual(r.isError, true);
  match(r.content[0].text, /cannot ask for it .*cru plugins install FILE --scope kiln/);
  deepStrictEqual(installedFiles(kiln.root), []);
});
