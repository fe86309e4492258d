/**
 * `cru mcp` with the SDK's real client over stdio, against the real CLI on a temporary copy of the
 * demo kiln: tools and their schemas, plugin calls, tool errors, plugin search, hot reload,
 * resources and the audit log.
 */
import { deepStrictEqual, match, ok } from "node:assert/strict";
import * as path from "node:path";
import {
  LoggingMessageNotificationSchema,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { tempDemoKiln } from "../helpers.ts";
import { PluginRegistry } from "../../src/plugins/registry.ts";
import { parametersSchema } from "../../src/plugins/parameters.ts";
import { auditEvents, resultJson, startCruMcp, until } from "./mcp_helpers.ts";

/** Assert that `text` contains `part`. */
function includes(text: string, part: string, message?: string): void {
  ok(text.includes(part), message ?? `${JSON.stringify(part)} not in ${JSON.stringify(text)}`);
}

/** A tool as listed (the SDK's inferred types do not survive Deno's npm type resolution). */
type ToolInfo = {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: { readOnlyHint?: boolean; openWorldHint?: boolean };
};

type ToolResult = {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
};

Deno.test("cru mcp serves a kiln to an MCP client", async (t) => {
  using kiln = tempDemoKiln();
  await using mcp = await startCruMcp(kiln.root, { clientName: "test-agent" });
  const { client } = mcp;
  const call = async (name: string, args: Record<string, unknown>) =>
    await client.callTool({ name, arguments: args }) as ToolResult;

  await t.step("tools/list has every built-in plugin, with its manifest's schemas", async () => {
    const tools = (await client.listTools()).tools as ToolInfo[];
    const byName = new Map(tools.map((x) => [x.name, x]));
    const builtins = await PluginRegistry.load({});
    ok(builtins.list().length >= 10);
    for (const p of builtins.list()) {
      const tool = byName.get(p.name);
      ok(tool, `plugin ${p.name} is not a tool`);
      const m = p.manifest!;
      deepStrictEqual(tool.inputSchema, parametersSchema(m.parameters), p.name);
      includes(tool.description ?? "", m.description);
      if (m.returns?.type === "object") deepStrictEqual(tool.outputSchema, m.returns, p.name);
      else deepStrictEqual(tool.outputSchema, undefined, p.name);
      const writes = m.capabilities.some((c) =>
        ["KilnWrite", "FsWrite", "StateManage", "PluginInvoke", "Unsafe"].includes(c.name)
      );
      deepStrictEqual(tool.annotations?.readOnlyHint, !writes, p.name);
      deepStrictEqual(tool.annotations?.openWorldHint, false, p.name);
    }
    for (
      const name of [
        "search_notes",
        "read_note",
        "list_notes",
        "backlinks",
        "forward_links",
        "traverse",
        "list_plugins",
        "describe_plugin",
        "search_plugins",
        "generate_plugin",
        "plugin_templates",
      ]
    ) {
      const tool = byName.get(name);
      ok(tool, `no ${name} tool`);
      deepStrictEqual(tool.annotations?.readOnlyHint, true);
    }
    deepStrictEqual(byName.get("install_plugin")?.annotations?.readOnlyHint, false);
    const search = byName.get("search_notes")!.inputSchema as {
      properties: { mode: { enum: string[] } };
      required: string[];
    };
    deepStrictEqual(search.properties.mode.enum, ["text", "semantic", "hybrid"]);
    deepStrictEqual(search.required, ["query"]);
  });

  await t.step("a plugin call returns its result, checked against its output schema", async () => {
    const r = await call("dice-roller", { expression: "2d6+3" });
    deepStrictEqual(r.isError, undefined);
    const value = r.structuredContent as { expression: string; result: number; rolls: unknown[] };
    deepStrictEqual(value.expression, "2d6+3");
    ok(value.result >= 5 && value.result <= 15, `2d6+3 gave ${value.result}`);
    deepStrictEqual(resultJson(r), value);
  });

  await t.step(
    "bad parameters are a tool error naming the parameter, not a protocol error",
    async () => {
      const wrongType = await call("dice-roller", { expression: 42 });
      deepStrictEqual(wrongType.isError, true);
      match(
        wrongType.content[0].text,
        /^E_INVALID_PARAMS: dice-roller: parameter expression/,
      );
      const missing = await call("dice-roller", {});
      deepStrictEqual(missing.isError, true);
      match(missing.content[0].text, /E_INVALID_PARAMS: .*parameter expression/);
      const extra = await call("dice-roller", { expression: "d6", loaded: true });
      deepStrictEqual(extra.isError, true);
      includes(extra.content[0].text, "loaded");
      const mode = await call("search_notes", { query: "dragon", mode: "psychic" });
      deepStrictEqual(mode.isError, true);
      match(mode.content[0].text, /E_INVALID_PARAMS: search_notes: parameter mode/);
      const unknown = await call("no-such-plugin", {});
      deepStrictEqual(unknown.isError, true);
      match(unknown.content[0].text, /^E_NOT_FOUND/);
      const escape = await call("read_note", { path: "../../etc/passwd" });
      deepStrictEqual(escape.isError, true);
      match(escape.content[0].text, /^E_PATH/);
      const privateFile = await call("read_note", { path: ".crucible/config" });
      deepStrictEqual(privateFile.isError, true);
      match(privateFile.content[0].text, /^E_PATH/);
    },
  );

  await t.step("the kiln tools answer from the kiln", async () => {
    const hits = (await call("search_notes", { query: "dragon", limit: 3 })).structuredContent as {
      hits: { path: string }[];
    };
    ok(hits.hits.length > 0 && hits.hits.length <= 3);
    const first = hits.hits[0].path;
    const note = (await call("read_note", { path: first })).structuredContent as {
      path: string;
      content: string;
    };
    deepStrictEqual(note.path, first);
    const onDisk = Deno.readTextFileSync(path.join(kiln.root, first));
    includes(onDisk, note.content.trim().split("\n")[0]);
    const listed = (await call("list_notes", { limit: 1000 })).structuredContent as {
      notes: { path: string }[];
    };
    ok(listed.notes.some((n) => n.path === first));
    const links = (await call("forward_links", { note: first })).structuredContent as {
      links: { path: string | null }[];
    };
    const target = links.links.find((l) => l.path !== null)?.path;
    ok(target, `${first} links nowhere`);
    const back = (await call("backlinks", { note: target })).structuredContent as {
      backlinks: { path: string }[];
    };
    ok(back.backlinks.some((b) => b.path === first));
    const walk = (await call("traverse", { start: first, depth: 1 })).structuredContent as {
      notes: { path: string }[];
    };
    ok(walk.notes.some((n) => n.path === target));
    const semantic = await call("search_notes", { query: "sea monster", mode: "hybrid" });
    deepStrictEqual(semantic.isError, undefined);
  });

  await t.step("search_plugins ranks the plugin that does the job first", async () => {
    const cases: [string, string][] = [
      ["roll some dice for my game", "dice-roller"],
      ["count the words in a note", "word-count"],
      ["keep track of initiative and hit points in a fight", "combat-tracker"],
      ["suggest notes related to this one", "related-notes"],
      ["move a manuscript through its phases", "state-machine-example"],
    ];
    for (const [query, expected] of cases) {
      const r = await call("search_plugins", { query });
      const results = (r.structuredContent as { results: { name: string }[] }).results;
      deepStrictEqual(results[0]?.name, expected, `${query}: ${JSON.stringify(results)}`);
    }
  });

  await t.step("list_plugins filters, describe_plugin and plugin_templates answer", async () => {
    const writers = (await call("list_plugins", { capability: "KilnWrite" }))
      .structuredContent as { plugins: { name: string }[] };
    deepStrictEqual(
      writers.plugins.map((p) => p.name).sort(),
      ["citation-parser", "concept-extractor"],
    );
    const games = (await call("list_plugins", { tag: "games" })).structuredContent as {
      plugins: { name: string }[];
    };
    deepStrictEqual(games.plugins.map((p) => p.name).sort(), ["combat-tracker", "dice-roller"]);
    const d = (await call("describe_plugin", { name: "dice-roller" })).structuredContent as {
      name: string;
      source: string;
      example_calls: { tool: unknown; lua: string; rune: string }[];
      tests: { file: string }[];
    };
    deepStrictEqual(d.name, "dice-roller");
    includes(d.source, "name: dice-roller");
    includes(d.example_calls[0].lua, 'crucible.invoke_plugin("dice-roller", {');
    includes(d.example_calls[0].rune, 'crucible::invoke_plugin("dice-roller", #{');
    deepStrictEqual(d.tests.map((x) => x.file), ["dice-roller.test.yaml"]);
    const missing = await call("describe_plugin", { name: "dice-rolr" });
    deepStrictEqual(missing.isError, true);
    includes(missing.content[0].text, "dice-roller");
    const templates = (await call("plugin_templates", { language: "lua", name: "my-tool" }))
      .structuredContent as { templates: { kind: string; source: string }[] };
    deepStrictEqual(templates.templates.map((x) => x.kind), ["tool", "workflow", "fsm", "graph"]);
    for (const x of templates.templates) includes(x.source, "name: my-tool");
  });

  await t.step("notes are resources, read-only", async () => {
    const resources = (await client.listResources()).resources as { uri: string }[];
    const home = resources.find((r) => r.uri === "note://Home.md");
    ok(home, "no note://Home.md");
    const read = await client.readResource({ uri: "note://Home.md" });
    deepStrictEqual(
      (read.contents[0] as { text: string }).text,
      Deno.readTextFileSync(path.join(kiln.root, "Home.md")),
    );
    ok(!resources.some((r) => r.uri.includes(".crucible")));
    const refused = await client.readResource({ uri: "note://.crucible/audit" }).then(
      () => "read",
      (e: Error) => e.message,
    );
    includes(refused, ".crucible");
  });

  await t.step(
    "a new or edited plugin file sends tools/list_changed; its logs and progress reach the client",
    async () => {
      let changed = 0;
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        changed++;
      });
      kiln.write(
        ".crucible/plugins/shout.lua",
        `---
name: shout
description: Shout a word back in capitals
version: 0.1.0
language: lua
parameters:
  word: {type: string, required: true}
---
function main(params)
  crucible.log("shouting " .. params.word)
  crucible.progress({message = "halfway"})
  return {shouted = string.upper(params.word)}
end
`,
      );
      await until("tools/list_changed", () => changed > 0);
      const tools = (await client.listTools()).tools as ToolInfo[];
      ok(tools.some((x) => x.name === "shout"));
      const logged: unknown[] = [];
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n: { params: unknown }) => {
        logged.push(n.params);
      });
      const progress: unknown[] = [];
      const r = await client.callTool({ name: "shout", arguments: { word: "hello" } }, undefined, {
        onprogress: (p: unknown) => progress.push(p),
      }) as ToolResult;
      deepStrictEqual(r.structuredContent, { shouted: "HELLO" });
      // Its progress events reach the client as progress notifications of the call.
      deepStrictEqual(progress, [{ progress: 1, message: "[shout] halfway" }]);
      // The plugin's log line reaches the client as a logging notification.
      await until("the plugin's log line", () => logged.length > 0);
      deepStrictEqual(logged[0], { level: "info", logger: "shout", data: "shouting hello" });
      // Editing the file changes the tool, and the client is told.
      const before = changed;
      kiln.write(
        ".crucible/plugins/shout.lua",
        Deno.readTextFileSync(path.join(kiln.root, ".crucible/plugins/shout.lua"))
          .replace("Shout a word back in capitals", "Shout a word back, loudly"),
      );
      await until("tools/list_changed after an edit", () => changed > before);
      const edited = (await client.listTools()).tools as ToolInfo[];
      const shout = edited.find((x) => x.name === "shout");
      ok(shout?.description?.startsWith("Shout a word back, loudly"), shout?.description);
    },
  );

  await t.step("resources/list pages through a large kiln", async () => {
    for (let i = 0; i < 520; i++) kiln.write(`bulk/note-${i}.md`, `# Note ${i}\n`);
    const first = await client.listResources() as {
      resources: { uri: string }[];
      nextCursor?: string;
    };
    deepStrictEqual(first.resources.length, 500);
    ok(first.nextCursor, "no next page");
    const second = await client.listResources({ cursor: first.nextCursor }) as {
      resources: { uri: string }[];
      nextCursor?: string;
    };
    const all = new Set([...first.resources, ...second.resources].map((r) => r.uri));
    ok(second.resources.length > 20 && second.nextCursor === undefined);
    ok(all.has("note://bulk/note-519.md") && all.has("note://Home.md"));
    deepStrictEqual(all.size, first.resources.length + second.resources.length);
  });

  await t.step("the audit log records agent calls with the client's name", () => {
    const starts = auditEvents(kiln.root).filter((e) => e.kind === "invocation.start");
    const dice = starts.find((e) => e.plugin === "dice-roller");
    ok(dice, "no invocation.start for dice-roller");
    deepStrictEqual(dice.invoker, { kind: "agent", name: "test-agent" });
    // Calls refused for their parameters never started.
    deepStrictEqual(starts.filter((e) => e.plugin === "dice-roller").length, 1);
  });
});
