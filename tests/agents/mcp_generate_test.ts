/**
 * `generate_plugin` through `cru mcp`: an agent's plugin is checked and its tests run in the
 * sandbox against a throwaway copy of the kiln; failures and syntax errors are reported, and
 * nothing is ever installed.
 */
import { deepStrictEqual, match, ok } from "node:assert/strict";
import * as path from "node:path";
import { tempDemoKiln } from "../helpers.ts";
import { startCruMcp } from "./mcp_helpers.ts";

const GREETER = `---
name: greeter
description: Greet someone by name
version: 0.1.0
language: lua
parameters:
  name: {type: string, required: true}
examples:
  - description: greets Ada
    input: {name: Ada}
    output: {greeting: "Hello, Ada!"}
---
local M = {}

function M.main(params)
  return {greeting = "Hello, " .. params.name .. "!"}
end

function M.title(params)
  return {title = crucible.read_note(params.path).title}
end

function M.test_greets_bo()
  assert(M.main({name = "Bo"}).greeting == "Hello, Bo!")
end

return M
`;

type Report = {
  ok: boolean;
  plugin: { name: string };
  problems: { severity: string; line: number; message: string }[];
  tests: {
    passed: number;
    failed: number;
    results: { name: string; kind: string; ok: boolean; failure: string | null }[];
  };
  coverage: { percent: number } | null;
  installed: boolean;
};

Deno.test("generate_plugin checks and tests an agent's plugin without installing it", async (t) => {
  using kiln = tempDemoKiln();
  await using mcp = await startCruMcp(kiln.root);
  const generate = async (args: Record<string, unknown>) => {
    const r = await mcp.client.callTool({ name: "generate_plugin", arguments: args }) as {
      isError?: boolean;
      structuredContent: Report;
    };
    deepStrictEqual(r.isError, undefined);
    return r.structuredContent;
  };
  const installed = () => {
    try {
      return [...Deno.readDirSync(path.join(kiln.root, ".crucible", "plugins"))].length;
    } catch {
      return 0;
    }
  };

  await t.step("passing: own tests, examples and cases against a copy of the kiln", async () => {
    const report = await generate({
      language: "lua",
      source: GREETER,
      tests: [
        { name: "greets Cy", params: { name: "Cy" }, output: { greeting: "Hello, Cy!" } },
        { name: "reads a note of the kiln", fn: "title", params: { path: "Home.md" } },
      ],
    });
    deepStrictEqual(report.problems, []);
    deepStrictEqual(
      report.tests.results.map((r) => [r.kind, r.name, r.ok]),
      [
        ["test", "test_greets_bo", true],
        ["example", "greets Ada", true],
        ["case", "greets Cy", true],
        ["case", "reads a note of the kiln", true],
      ],
    );
    deepStrictEqual([report.ok, report.tests.passed, report.tests.failed], [true, 4, 0]);
    ok(report.coverage && report.coverage.percent > 0);
    deepStrictEqual(report.installed, false);
  });

  await t.step("a failing case is reported, with why, and nothing is installed", async () => {
    const report = await generate({
      language: "lua",
      source: GREETER,
      tests: [{ name: "wrong greeting", params: { name: "Cy" }, output: { greeting: "Hi" } }],
    });
    deepStrictEqual(report.ok, false);
    deepStrictEqual(report.tests.failed, 1);
    const failed = report.tests.results.find((r) => !r.ok)!;
    deepStrictEqual(failed.name, "wrong greeting");
    match(failed.failure!, /expected \{"greeting":"Hi"\}/);
    deepStrictEqual(installed(), 0);
    const { tools } = await mcp.client.listTools() as { tools: { name: string }[] };
    ok(!tools.some((x) => x.name === "greeter"), "the plugin became a tool");
  });

  await t.step("a syntax error is a problem naming its line; nothing runs", async () => {
    const broken = GREETER.replace(
      `return {greeting = "Hello, " .. params.name .. "!"}`,
      `return {greeting = }`,
    );
    const line = broken.split("\n").findIndex((l) => l.includes("{greeting = }")) + 1;
    const report = await generate({ language: "lua", source: broken });
    deepStrictEqual(report.ok, false);
    const error = report.problems.find((p) => p.severity === "error");
    ok(error, JSON.stringify(report.problems));
    deepStrictEqual(error.line, line);
    deepStrictEqual(report.tests.results, []);
  });

  await t.step("a bad manifest is a problem naming the field", async () => {
    const report = await generate({
      language: "lua",
      source: GREETER.replace("version: 0.1.0", "version: one"),
    });
    deepStrictEqual(report.ok, false);
    ok(report.problems.some((p) => p.severity === "error" && /version/.test(p.message)));
  });
});
