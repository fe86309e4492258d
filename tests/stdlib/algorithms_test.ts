/**
 * The engine-agnostic library against known results: graph algorithms on small hand-checkable
 * graphs, state machine and workflow validation, and the utilities' edge cases.
 */
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import {
  buildGraph,
  communities,
  convertCase,
  levenshtein,
  pagerank,
  pathJoin,
  pathNormalize,
  pathRelative,
  regexEscape,
  regexFindAll,
  regexReplace,
  shortestPath,
  slugify,
  timeAdd,
  timeDiff,
  timeFormat,
  timeParse,
  truncate,
  validateMachine,
  validateWorkflow,
  walk,
  walkOptions,
  wrap,
  yamlParse,
} from "../../src/stdlib/mod.ts";

const close = (a: number, b: number, what: string) =>
  ok(Math.abs(a - b) < 1e-4, `${what}: ${a} is not ${b}`);

Deno.test("pagerank: a cycle shares rank equally; a sink with two feeders takes the most", () => {
  const cycle = pagerank(buildGraph({ edges: [["a", "b"], ["b", "c"], ["c", "a"]] }), {});
  for (const r of cycle) close(r.score, 1 / 3, r.node);
  // a -> c, b -> c, c -> a. By hand (d = 0.85, n = 3): b gets only the teleport share,
  // pb = 0.15/3 = 0.05; c = 0.05 + 0.85 (pa + pb); a = 0.05 + 0.85 pc; with pa + pb + pc = 1:
  // pc = 0.05 + 0.85 (1 - pc) -> pc = 0.9 / 1.85.
  const r = pagerank(buildGraph({ edges: [["a", "c"], ["b", "c"], ["c", "a"]] }), {
    tolerance: 1e-10,
    max_iterations: 1000,
  });
  deepStrictEqual(r.map((x) => x.node), ["c", "a", "b"]);
  const pc = 0.9 / 1.85;
  close(r[0].score, pc, "c");
  close(r[1].score, 0.05 + 0.85 * pc, "a");
  close(r[2].score, 0.05, "b");
  close(r.reduce((s, x) => s + x.score, 0), 1, "sum");
});

Deno.test("communities: two cliques joined by one edge split in two", () => {
  const edges: [string, string][] = [];
  for (const group of [["a1", "a2", "a3", "a4"], ["b1", "b2", "b3", "b4"]]) {
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) edges.push([group[i], group[j]]);
    }
  }
  edges.push(["a1", "b1"]);
  const result = communities(buildGraph({ edges, directed: false }), {});
  strictEqual(result.count, 2);
  deepStrictEqual(result.communities.map((c) => c.nodes), [
    ["a1", "a2", "a3", "a4"],
    ["b1", "b2", "b3", "b4"],
  ]);
  ok(result.modularity > 0.3);
  strictEqual(
    communities(buildGraph({ edges, directed: false }), { min_size: 5 }).communities.length,
    0,
  );
});

Deno.test("shortest paths: hops, weights, direction, and no path", () => {
  const g = buildGraph({
    edges: [["a", "b", 1], ["b", "d", 10], ["a", "c", 2], ["c", "d", 2], ["e", "a", 1]],
  });
  deepStrictEqual(shortestPath(g, "a", "d", {}), ["a", "b", "d"]);
  deepStrictEqual(shortestPath(g, "a", "d", { weighted: true }), ["a", "c", "d"]);
  strictEqual(shortestPath(g, "d", "a", {}), null, "edges are one-way");
  deepStrictEqual(shortestPath(g, "d", "e", { directed: false }), ["d", "b", "a", "e"]);
  strictEqual(shortestPath(buildGraph({ nodes: ["x", "y"], edges: [] }), "x", "y", {}), null);
  throws(() => shortestPath(g, "a", "zz", {}), /no node "zz"/);
});

Deno.test("walks: depth limits, cycles, filters, bfs and dfs orders", () => {
  const g = buildGraph({ edges: [["a", "b"], ["a", "c"], ["b", "d"], ["d", "a"], ["c", "e"]] });
  const nodes = (o: Record<string, unknown>, order: "bfs" | "dfs" = "bfs") =>
    walk(g, "a", walkOptions(order, o as never)).map((v) => v.node);
  deepStrictEqual(nodes({ depth: 1 }), ["a", "b", "c"]);
  deepStrictEqual(nodes({ depth: 5 }), ["a", "b", "c", "d", "e"]);
  deepStrictEqual(nodes({ depth: 5 }, "dfs"), ["a", "b", "d", "c", "e"]);
  deepStrictEqual(nodes({ depth: 5, direction: "in" }), ["a", "d", "b"]);
  const w = walkOptions("bfs", { depth: 5, prune: true });
  w.accept = (n) => n !== "c";
  deepStrictEqual(walk(g, "a", w).map((v) => v.node), ["a", "b", "d"]);
  deepStrictEqual(walk(g, "a", walkOptions("bfs", { depth: 5 }))[3], {
    node: "d",
    depth: 2,
    via: "b",
  });
});

Deno.test("state machine validation: unknown, missing, unreachable and ambiguous", () => {
  const report = validateMachine({
    initial: "start",
    states: ["draft", "review", "orphan"],
    transitions: [
      { from: "draft", event: "submit", to: "review" },
      { from: "draft", event: "submit", to: "draft" },
      { from: "review", event: "x", to: "nowhere" },
    ],
  });
  strictEqual(report.ok, false);
  ok(report.errors.some((e) => /initial state start is not one of the states/.test(e)));
  ok(
    report.errors.some((e) => /ambiguous transitions: draft --submit--> review and draft/.test(e)),
  );
  ok(report.errors.some((e) => /unknown state "nowhere"/.test(e)));
  const fine = validateMachine({
    initial: "draft",
    states: ["draft", "review", "orphan"],
    transitions: [
      { from: "draft", event: "submit", to: "review", guard: "ready" },
      { from: "draft", event: "submit", to: "draft" },
    ],
  });
  deepStrictEqual(fine.errors, []);
  deepStrictEqual(fine.warnings, ["state orphan is unreachable from the initial state draft"]);
  ok(/initial is missing/.test(validateMachine({ states: ["a"] }).errors[0]));
});

Deno.test("workflow validation: cycles named, missing dependencies, levels", () => {
  const bad = validateWorkflow({
    tasks: {
      a: { run: "a", deps: ["c"] },
      b: { run: "b", deps: ["a"] },
      c: { run: "c", deps: ["b"] },
      d: { run: "d", deps: ["ghost"] },
      e: { run: "e", deps: ["e"] },
    },
  });
  strictEqual(bad.ok, false);
  deepStrictEqual(
    bad.errors.map((e) => e.message).sort(),
    [
      "cycle: a → c → b → a",
      "cycle: e → e",
      "task d depends on ghost, which is not a task",
    ],
  );
  const good = validateWorkflow({
    tasks: [
      { id: "fetch", plugin: "x" },
      { id: "parse", run: "p", deps: ["fetch"] },
      { id: "notes", run: "n", deps: ["fetch"] },
      { id: "report", run: "r", deps: ["parse", "notes"] },
    ],
  });
  deepStrictEqual(good.levels, [["fetch"], ["parse", "notes"], ["report"]]);
  deepStrictEqual(good.order, ["fetch", "parse", "notes", "report"]);
  ok(/exactly one of run/.test(validateWorkflow({ tasks: { x: {} } }).errors[0].message));
});

Deno.test("time: zones, daylight saving, formats, calendar arithmetic", () => {
  const t = timeParse("2026-03-28 12:00", { zone: "Europe/Paris" })!;
  strictEqual(new Date(t).toISOString(), "2026-03-28T11:00:00.000Z");
  const next = timeAdd(t, { days: 1 }, { zone: "Europe/Paris" });
  strictEqual(
    timeFormat(next, "YYYY-MM-DD HH:mm Z", { zone: "Europe/Paris" }),
    "2026-03-29 12:00 +02:00",
  );
  strictEqual(timeDiff(t, next, "hours"), 23);
  strictEqual(timeAdd(Date.UTC(2026, 0, 31), { months: 1 }), Date.UTC(2026, 1, 28));
  strictEqual(timeAdd(0, "1d2h"), 26 * 3600_000);
  strictEqual(
    timeFormat(0, "dddd D MMMM YYYY, h:mm a [UTC]"),
    "Thursday 1 January 1970, 12:00 am UTC",
  );
  strictEqual(timeParse("2026-11-03T10:00:00+01:00"), Date.UTC(2026, 10, 3, 9));
  strictEqual(timeParse("not a date"), null);
  strictEqual(timeDiff(Date.UTC(2020, 1, 29), Date.UTC(2026, 1, 28), "years"), 5);
  strictEqual(
    timeFormat(Date.UTC(2026, 6, 1, 12), "HH:mm z", { zone: "America/New_York" }),
    "08:00 America/New_York",
  );
  throws(() => timeFormat(0, null, { zone: "Mars/Olympus" }), /not an IANA time zone/);
});

Deno.test("text and paths", () => {
  strictEqual(slugify("Ysolde Brænn — Notes!"), "ysolde-braenn-notes");
  strictEqual(slugify("Café déjà vu", { separator: "_" }), "cafe_deja_vu");
  strictEqual(truncate("The quick brown fox", 12), "The quick b…");
  strictEqual(truncate("The quick brown fox", 12, { words: true }), "The quick…");
  strictEqual(wrap("one two three four", 9), "one two\nthree\nfour");
  strictEqual(convertCase("sessionNotes two", "snake"), "session_notes_two");
  strictEqual(convertCase("session_notes two", "pascal"), "SessionNotesTwo");
  strictEqual(convertCase("HTTPServer error", "kebab"), "http-server-error");
  strictEqual(levenshtein("kitten", "sitting"), 3);
  strictEqual(levenshtein("", "abc"), 3);
  strictEqual(pathJoin(["notes", "../ideas", "x.md"]), "ideas/x.md");
  strictEqual(pathNormalize("a//b/./c/.."), "a/b");
  strictEqual(pathRelative("campaign/npcs", "campaign/locations/x.md"), "../locations/x.md");
});

Deno.test("regex and yaml limits", () => {
  deepStrictEqual(regexFindAll("#(\\w+)", "a #b c #d").map((m) => m.groups[0]), ["b", "d"]);
  strictEqual(regexReplace("(?<a>\\d+)-(\\d+)", "1-2 3-4", "$2-$<a>"), "2-1 4-3");
  strictEqual(regexFindAll("x*", "ab").length, 3, "empty matches advance");
  strictEqual(new RegExp(regexEscape("a.b(c)")).test("a.b(c)"), true);
  throws(() => regexFindAll("a", "a".repeat(1_000_001)), /over 1000000 characters/);
  throws(() => regexFindAll("(", "a"), /bad regex/);
  throws(() => regexFindAll("a", "a", "g"), /flags/);
  // Alias expansion is bounded ("billion laughs").
  const laughs = "a: &a [x, x]\n" +
    Array.from(
      { length: 30 },
      (_, i) => `b${i}: &b${i} [*${i ? `b${i - 1}` : "a"}, *${i ? `b${i - 1}` : "a"}]`,
    ).join("\n");
  throws(() => yamlParse(laughs), /alias|resource/i);
});
