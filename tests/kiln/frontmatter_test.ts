import { deepStrictEqual, match, strictEqual } from "node:assert/strict";
import { parseFrontmatter } from "../../src/kiln/frontmatter.ts";
import type { Diagnostic, FrontmatterParse } from "../../src/kiln/types.ts";

const FILE = "notes/Mira.md";

/** The diagnostics without their messages, which are checked separately. */
function codes(result: FrontmatterParse): Omit<Diagnostic, "message">[] {
  return result.diagnostics.map(({ message: _, ...rest }) => rest);
}

function warning(code: string, line: number): Omit<Diagnostic, "message"> {
  return { file: FILE, line, code, severity: "warning" };
}

// --- splitting -----------------------------------------------------------------------------------

Deno.test("frontmatter: no frontmatter leaves the text as body on line 1", () => {
  const text = "# Mira\n\nA smith.\n";
  deepStrictEqual(parseFrontmatter(text, FILE), {
    data: {},
    body: text,
    bodyLine: 1,
    present: false,
    diagnostics: [],
  });
});

Deno.test("frontmatter: empty text", () => {
  deepStrictEqual(parseFrontmatter("", FILE), {
    data: {},
    body: "",
    bodyLine: 1,
    present: false,
    diagnostics: [],
  });
});

Deno.test("frontmatter: a mapping is parsed and the body starts after the closing line", () => {
  const text =
    "---\ntitle: Mira\ntags: [npc, smith]\ncount: 3\nok: true\nnone: null\n---\n# Mira\n";
  deepStrictEqual(parseFrontmatter(text, FILE), {
    data: { title: "Mira", tags: ["npc", "smith"], count: 3, ok: true, none: null },
    body: "# Mira\n",
    bodyLine: 8,
    present: true,
    diagnostics: [],
  });
});

Deno.test("frontmatter: nested mappings and block lists", () => {
  const text = "---\naliases:\n  - Mira\n  - The Smith\nstats:\n  str: 14\n  dex: 9\n---\nbody";
  deepStrictEqual(parseFrontmatter(text, FILE).data, {
    aliases: ["Mira", "The Smith"],
    stats: { str: 14, dex: 9 },
  });
});

Deno.test("frontmatter: ... closes the block", () => {
  const result = parseFrontmatter("---\na: 1\n...\nbody\n", FILE);
  deepStrictEqual(result, {
    data: { a: 1 },
    body: "body\n",
    bodyLine: 4,
    present: true,
    diagnostics: [],
  });
});

Deno.test("frontmatter: trailing spaces and tabs on the fence lines are allowed", () => {
  const result = parseFrontmatter("--- \t\na: 1\n---  \nbody", FILE);
  deepStrictEqual([result.data, result.body, result.bodyLine], [{ a: 1 }, "body", 4]);
});

Deno.test("frontmatter: CRLF line endings", () => {
  const result = parseFrontmatter(
    "---\r\ntitle: Mira\r\nn: 2\r\n---\r\nLine one\r\nLine two",
    FILE,
  );
  deepStrictEqual(result, {
    data: { title: "Mira", n: 2 },
    body: "Line one\r\nLine two",
    bodyLine: 5,
    present: true,
    diagnostics: [],
  });
});

Deno.test("frontmatter: a UTF-8 BOM before the first fence is allowed and not in the body", () => {
  const result = parseFrontmatter("\uFEFF---\ntitle: Mira\n---\nbody", FILE);
  deepStrictEqual([result.data, result.body, result.bodyLine, result.present], [
    { title: "Mira" },
    "body",
    4,
    true,
  ]);
});

Deno.test("frontmatter: a BOM without frontmatter is dropped from the body", () => {
  const result = parseFrontmatter("\uFEFF# Title", FILE);
  deepStrictEqual([result.body, result.bodyLine, result.present], ["# Title", 1, false]);
});

Deno.test("frontmatter: a closing fence on the last line gives an empty body", () => {
  const result = parseFrontmatter("---\na: 1\n---", FILE);
  deepStrictEqual([result.data, result.body, result.bodyLine], [{ a: 1 }, "", 4]);
});

Deno.test("frontmatter: only a first line of exactly --- opens a block", () => {
  for (
    const text of [
      "----\na: 1\n---\n",
      " ---\na: 1\n---\n",
      "--- x\na: 1\n---\n",
      "\n---\na: 1\n---",
    ]
  ) {
    const result = parseFrontmatter(text, FILE);
    deepStrictEqual([result.present, result.body, result.data], [false, text, {}], text);
  }
});

Deno.test("frontmatter: a closing line with other text does not close the block", () => {
  const result = parseFrontmatter("---\na: 1\n--- no\n---\nbody", FILE);
  strictEqual(result.bodyLine, 5);
  deepStrictEqual(codes(result), [warning("frontmatter-yaml", 3)]);
});

Deno.test("frontmatter: empty block gives no data and no diagnostic", () => {
  deepStrictEqual(parseFrontmatter("---\n---\nbody", FILE), {
    data: {},
    body: "body",
    bodyLine: 3,
    present: true,
    diagnostics: [],
  });
});

Deno.test("frontmatter: a block with only comments, blanks or null is empty", () => {
  for (const yaml of ["# just a comment\n", "\n\n", "~\n", "null\n"]) {
    const result = parseFrontmatter(`---\n${yaml}---\nbody`, FILE);
    deepStrictEqual([result.data, result.diagnostics, result.present], [{}, [], true], yaml);
  }
});

// --- values --------------------------------------------------------------------------------------

Deno.test("frontmatter: dates and timestamps stay as plain strings", () => {
  const text = "---\ncreated: 2024-01-02\nseen: 2024-01-02T10:30:00Z\n---\n";
  const result = parseFrontmatter(text, FILE);
  deepStrictEqual(result.data, { created: "2024-01-02", seen: "2024-01-02T10:30:00Z" });
});

Deno.test("frontmatter: data is plain JSON (non-finite numbers become null)", () => {
  const text = "---\nbig: .inf\nnan: .nan\nyes: yes\nlist: [1, 'two', {three: 3}]\n---\n";
  const data = parseFrontmatter(text, FILE).data;
  deepStrictEqual(data, { big: null, nan: null, yes: "yes", list: [1, "two", { three: 3 }] });
  deepStrictEqual(JSON.parse(JSON.stringify(data)), data);
});

Deno.test("frontmatter: a __proto__ key becomes data, not the object's prototype", () => {
  const data = parseFrontmatter("---\n__proto__:\n  polluted: true\n---\n", FILE).data;
  strictEqual(Object.getPrototypeOf(data), Object.prototype);
  deepStrictEqual(Object.keys(data), ["__proto__"]);
  strictEqual(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("frontmatter: anchors and aliases are resolved", () => {
  const text = "---\nbase: &b [a, b]\ncopy: *b\n---\n";
  deepStrictEqual(parseFrontmatter(text, FILE).data, { base: ["a", "b"], copy: ["a", "b"] });
});

// --- diagnostics ---------------------------------------------------------------------------------

Deno.test("frontmatter: malformed YAML warns on the file line of the error, keeps body", () => {
  const text = "---\ntitle: Mira\ntags: [npc, smith\nother: 1\n---\n# Body\n";
  const result = parseFrontmatter(text, FILE);
  deepStrictEqual([result.data, result.body, result.bodyLine, result.present], [
    {},
    "# Body\n",
    6,
    true,
  ]);
  deepStrictEqual(codes(result), [warning("frontmatter-yaml", 4)]);
  match(result.diagnostics[0].message, /not valid YAML \(line 4: .*Flow sequence.*\)/);
  match(result.diagnostics[0].message, /fix the YAML/);
});

Deno.test("frontmatter: malformed YAML on the first frontmatter line is reported on line 2", () => {
  const result = parseFrontmatter("---\na: b: c\n---\nbody", FILE);
  deepStrictEqual(codes(result), [warning("frontmatter-yaml", 2)]);
  match(result.diagnostics[0].message, /line 2: Nested mappings are not allowed/);
});

Deno.test("frontmatter: malformed YAML lines count CRLF and BOM files correctly", () => {
  const result = parseFrontmatter("\uFEFF---\r\nok: 1\r\nbad: b: c\r\n---\r\nbody", FILE);
  deepStrictEqual(codes(result), [warning("frontmatter-yaml", 3)]);
  strictEqual(result.body, "body");
});

Deno.test("frontmatter: an unresolved alias is malformed YAML", () => {
  const result = parseFrontmatter("---\na: *missing\n---\n", FILE);
  deepStrictEqual([result.data, codes(result)], [{}, [warning("frontmatter-yaml", 2)]]);
  match(result.diagnostics[0].message, /missing/);
});

Deno.test("frontmatter: duplicate keys make the frontmatter malformed (data is {})", () => {
  const text = "---\ntitle: One\ntags: [a]\ntitle: Two\n---\nbody";
  const result = parseFrontmatter(text, FILE);
  deepStrictEqual([result.data, result.body, result.present], [{}, "body", true]);
  deepStrictEqual(codes(result), [warning("frontmatter-duplicate-key", 4)]);
  match(result.diagnostics[0].message, /key "title" on line 4/);
});

Deno.test("frontmatter: every duplicate key is reported, quoted and nested ones included", () => {
  const text = "---\na: 1\n'a': 2\nn:\n  k: 1\n  k: 2\n---\n";
  const result = parseFrontmatter(text, FILE);
  deepStrictEqual(codes(result), [
    warning("frontmatter-duplicate-key", 3),
    warning("frontmatter-duplicate-key", 6),
  ]);
  match(result.diagnostics[0].message, /key "a"/);
  match(result.diagnostics[1].message, /key "k"/);
  deepStrictEqual(result.data, {});
});

Deno.test("frontmatter: a list is not a mapping", () => {
  const result = parseFrontmatter("---\n- a\n- b\n---\nbody", FILE);
  deepStrictEqual([result.data, result.body, result.present], [{}, "body", true]);
  deepStrictEqual(codes(result), [warning("frontmatter-not-mapping", 2)]);
  match(result.diagnostics[0].message, /is a list/);
});

Deno.test("frontmatter: a scalar is not a mapping", () => {
  const result = parseFrontmatter("---\n\njust some text\n---\nbody", FILE);
  deepStrictEqual([result.data, result.present], [{}, true]);
  deepStrictEqual(codes(result), [warning("frontmatter-not-mapping", 3)]);
  match(result.diagnostics[0].message, /single value/);
});

Deno.test("frontmatter: unterminated block warns on line 1 and the whole text is body", () => {
  const text = "---\ntitle: Mira\n# Heading\n";
  deepStrictEqual(parseFrontmatter(text, FILE), {
    data: {},
    body: text,
    bodyLine: 1,
    present: false,
    diagnostics: [
      {
        file: FILE,
        line: 1,
        code: "frontmatter-unterminated",
        message: "Frontmatter starts with --- on line 1 but has no closing --- line, so the " +
          "whole file is read as body; add a line --- after the properties, or remove the " +
          "first line.",
        severity: "warning",
      },
    ],
  });
});

Deno.test("frontmatter: a file that is only --- is unterminated", () => {
  for (const text of ["---", "---\n", "---\r\n"]) {
    const result = parseFrontmatter(text, FILE);
    deepStrictEqual([result.body, result.present, codes(result)], [text, false, [
      warning("frontmatter-unterminated", 1),
    ]]);
  }
});

Deno.test("frontmatter: diagnostics name the file they were given", () => {
  const result = parseFrontmatter("---\n[\n---\n", "other/Note.md");
  strictEqual(result.diagnostics[0].file, "other/Note.md");
});
