/**
 * The standard-library example plugins shipped in plugins/, run in real sandboxes on the demo
 * kiln: their behaviour, and (for the Rune ones) their own #[test] functions.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { loadPluginFile, type ResolvedPlugin } from "../../src/plugins/registry.ts";
import { compile } from "../../src/rune/mod.ts";
import { CRUCIBLE_MODULE } from "../../src/runtime/engines/rune/engine.ts";
import { REPO, tempDemoKiln } from "../helpers.ts";
import { fixedApprover, testRunner } from "../sandbox/sandbox_helpers.ts";
import { registryOf } from "./stdlib_helpers.ts";

async function shipped(...files: string[]): Promise<ResolvedPlugin[]> {
  const out: ResolvedPlugin[] = [];
  for (const f of files) {
    const p = await loadPluginFile(path.join(REPO, "plugins", f), "builtin");
    ok(p.valid, `${f}: ${JSON.stringify(p.problems)}`);
    out.push({ ...p, shadows: [] });
  }
  return out;
}

/** The names of a Rune plugin's #[test] functions. */
function runeTests(p: ResolvedPlugin): string[] {
  const { program } = compile(p.code, { file: path.basename(p.file), host: CRUCIBLE_MODULE });
  return program!.exports.filter((e) => e.test).map((e) => e.name);
}

Deno.test("the Rune examples' #[test] functions pass inside the sandbox", async () => {
  using kiln = tempDemoKiln();
  const plugins = await shipped(
    "state-machine-example.rune",
    "combat-tracker.rune",
    "frontmatter-digest.rune",
    "dice-roller.rune",
  );
  const { runner } = testRunner(kiln, { registry: registryOf(plugins) });
  try {
    for (const p of plugins.slice(0, 3)) {
      const names = runeTests(p);
      ok(names.length >= 2, `${p.name} has tests`);
      for (const fn of names) {
        const r = await runner.invoke({ plugin: p, fn });
        ok(r.ok, `${p.name}::${fn}: ${JSON.stringify(r.error)}`);
      }
    }
  } finally {
    runner.close();
  }
});

Deno.test("state-machine-example: phases persist between runs, publishing needs approval", async () => {
  using kiln = tempDemoKiln();
  const [p] = await shipped("state-machine-example.rune");
  const { runner } = testRunner(kiln);
  const step = async (params: Record<string, unknown>) => {
    const r = await runner.invoke({ plugin: p, params: { id: "essay", ...params } });
    ok(r.ok, JSON.stringify(r.error));
    return { ...(r.value as Record<string, unknown>), logs: r.logs } as Record<string, unknown>;
  };
  try {
    const first = await step({});
    strictEqual(first.phase, "idea");
    deepStrictEqual(first.logs, ["essay is now in idea: write the one-sentence pitch"]);
    for (const event of ["outline", "draft", "submit"]) await step({ event });
    const refused = await step({ event: "publish", note: "looks fine?" });
    strictEqual(refused.phase, "review");
    strictEqual(refused.refused, "the guard refused publish from review");
    const done = await step({ event: "publish", note: "approved" });
    strictEqual(done.phase, "published");
    strictEqual(done.finished, true);
    strictEqual(done.restored, true);
    deepStrictEqual(done.possible, []);
    deepStrictEqual(
      (done.history as { event: string }[]).map((h) => h.event),
      ["outline", "draft", "submit", "publish"],
    );
    ok((done.dot as string).includes('"published" [shape=doublecircle, style=filled'));
    ok((done.logs as string[]).includes("review of essay closed with publish"));
    const other = await runner.invoke({ plugin: p, params: { id: "poem" } });
    strictEqual((other.value as { phase: string }).phase, "idea", "each id is its own machine");
    const again = await step({ reset: true });
    strictEqual(again.phase, "idea");
  } finally {
    runner.close();
  }
});

Deno.test("combat-tracker: initiative from dice-roller, hit points, effects and rounds", async () => {
  using kiln = tempDemoKiln();
  const plugins = await shipped("combat-tracker.rune", "dice-roller.rune");
  const approver = fixedApprover(["PluginInvoke(dice-roller)"]);
  const { runner } = testRunner(kiln, { registry: registryOf(plugins), approver });
  interface Fight {
    phase: string;
    round: number;
    current: string;
    order: { name: string; hp: number; initiative: number; down: boolean; effects: unknown[] }[];
    log: string[];
  }
  const act = async (params: Record<string, unknown>) => {
    const r = await runner.invoke({ plugin: plugins[0], params: { encounter: "dock", ...params } });
    ok(r.ok, JSON.stringify(r.error));
    return r.value as unknown as Fight;
  };
  try {
    const start = await act({
      action: "start",
      combatants: [
        { name: "Mira", hp: 22, initiative: 15 },
        { name: "Dockhand", hp: 11, initiative: 9 },
        { name: "Tamsin", hp: 18, bonus: 3 },
      ],
    });
    strictEqual(start.phase, "fighting");
    const tamsin = start.order.find((c) => c.name === "Tamsin")!;
    ok(tamsin.initiative >= 4 && tamsin.initiative <= 23, "rolled 1d20+3 by dice-roller");
    deepStrictEqual(
      start.order.map((c) => c.name),
      [...start.order].sort((a, b) => b.initiative - a.initiative).map((c) => c.name),
    );
    await act({ action: "damage", target: "Dockhand", amount: 30 });
    await act({ action: "effect", target: "Mira", effect: "poisoned", rounds: 1 });
    const names = start.order.map((c) => c.name);
    let last = start;
    for (let i = 0; i < 3; i++) last = await act({ action: "next" });
    // The downed dockhand is skipped; a full cycle of the two standing takes us to round 2.
    strictEqual(last.round, 2);
    ok(!last.order.some((c) => c.name === "Dockhand" && !c.down));
    strictEqual(last.order.find((c) => c.name === "Dockhand")!.hp, 0);
    ok(names.includes(last.current));
    const mira = last.order.find((c) => c.name === "Mira")!;
    deepStrictEqual(mira.effects, [], "the effect wore off at the start of Mira's turn");
    const end = await act({ action: "end" });
    strictEqual(end.phase, "over");
    const again = await runner.invoke({
      plugin: plugins[0],
      params: { encounter: "dock", action: "start", combatants: [{ name: "X", hp: 1 }] },
    });
    strictEqual(again.error?.code, "E_RUNTIME");
    ok(/already started/.test(again.error!.message));
  } finally {
    runner.close();
  }
});

Deno.test("related-notes suggests linked, clustered and same-tag notes with reasons", async () => {
  using kiln = tempDemoKiln();
  const [p] = await shipped("related-notes.lua");
  const { runner } = testRunner(kiln);
  try {
    const r = await runner.invoke({ plugin: p, params: { note: "Brin 1998", limit: 5 } });
    ok(r.ok, JSON.stringify(r.error));
    const list = r.value as { path: string; score: number; reasons: string[] }[];
    strictEqual(list.length, 5);
    strictEqual(list[0].path, "research/papers/Kleinberg 1999.md");
    ok(
      list[0].reasons.includes("linked directly") &&
        list[0].reasons.includes("shares #link-analysis"),
    );
    ok(list.every((x, i) => i === 0 || list[i - 1].score >= x.score), "best first");
    ok(!list.some((x) => x.path === "research/papers/Brin 1998.md"), "never the note itself");
  } finally {
    runner.close();
  }
});

Deno.test("research-pipeline parses every paper in parallel and reports in year order", async () => {
  using kiln = tempDemoKiln();
  const plugins = await shipped("research-pipeline.lua", "bibtex-parser.md");
  const approver = fixedApprover(["PluginInvoke(bibtex-parser)"]);
  const { runner } = testRunner(kiln, { registry: registryOf(plugins), approver });
  const events: Record<string, unknown>[] = [];
  try {
    const r = await runner.invoke({
      plugin: plugins[0],
      onProgress: (e) => events.push(e as Record<string, unknown>),
    });
    ok(r.ok, JSON.stringify(r.error));
    const v = r.value as { status: string; papers: number; report: string };
    strictEqual(v.status, "ok");
    strictEqual(v.papers, 7);
    const years = [...v.report.matchAll(/^\d+\. .*?\((\d{4})\)/gm)].map((m) => Number(m[1]));
    strictEqual(years.length, 7);
    deepStrictEqual(years, [...years].sort());
    ok(v.report.includes("## Concepts around Personal Knowledge Graphs"));
    ok(v.report.includes("[[Link Analysis]]"));
    // Several paper parses were in flight at once: a second one started before the first ended.
    const firstOk = events.findIndex((e) =>
      String(e.task).startsWith("cite:") && e.status === "ok"
    );
    const startedBefore = events.slice(0, firstOk).filter((e) => e.status === "started");
    ok(startedBefore.length >= 2, JSON.stringify(events.slice(0, 6)));
    strictEqual(events.at(-1)!.task, "report");
  } finally {
    runner.close();
  }
});

Deno.test("frontmatter-digest groups, dates and links a folder's notes in three formats", async () => {
  using kiln = tempDemoKiln();
  const [p] = await shipped("frontmatter-digest.rune");
  const { runner } = testRunner(kiln);
  try {
    const params = { folder: "campaign", today: "2026-11-25", zone: "Europe/Paris" };
    const r = await runner.invoke({ plugin: p, params });
    ok(r.ok, JSON.stringify(r.error));
    const v = r.value as {
      counts: Record<string, number>;
      groups: Record<string, { file: string; slug: string; age_days: number; links: string[] }[]>;
      text: string;
    };
    deepStrictEqual(v.counts.Npc, 6);
    const mira = v.groups.Npc.find((n) => n.file === "Mira Vale")!;
    strictEqual(mira.slug, "mira-vale");
    strictEqual(mira.age_days, 42);
    deepStrictEqual(mira.links, ["Saltmarsh Docks"]);
    ok(v.text.startsWith("# Notes by type\n"));
    ok(v.text.includes("- Mira Vale — 14 Oct 2026 (42 days ago) → [[Saltmarsh Docks]]"));
    const y = await runner.invoke({ plugin: p, params: { ...params, format: "yaml" } });
    ok((y.value as { text: string }).text.includes("field: type\n"));
    const j = await runner.invoke({ plugin: p, params: { ...params, format: "json" } });
    strictEqual(JSON.parse((j.value as { text: string }).text).counts.Npc, 6);
  } finally {
    runner.close();
  }
});
