/**
 * The frontmatter fast path must agree with the full YAML parser whenever it answers. Checked on
 * hand-picked cases, on every frontmatter of the demo kiln, and on thousands of generated blocks.
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { parse } from "yaml";
import { parseSimpleYaml } from "../../src/kiln/simple_yaml.ts";
import { DEMO_KILN } from "../helpers.ts";

function full(text: string): unknown {
  const v = parse(text, { uniqueKeys: true, logLevel: "silent" });
  return v === null || v === undefined ? {} : v;
}

function agrees(text: string): boolean {
  const fast = parseSimpleYaml(text);
  if (fast === null) return false;
  let expected: unknown;
  try {
    expected = full(text);
  } catch (e) {
    throw new Error(`fast path accepted ${JSON.stringify(text)} which YAML rejects: ${e}`);
  }
  deepStrictEqual(fast, expected, `disagreement on ${JSON.stringify(text)}`);
  return true;
}

Deno.test("the common shapes are parsed by the fast path and agree with YAML", () => {
  const cases = [
    "title: Mira Vale\n",
    "tags: [npc, faction/harbor-guild, café]\n",
    "tags: []\n",
    "tags:\n  - npc\n  - villain\n",
    "tags:\n- npc\n- villain\n",
    "session: 3\nlevel: -2\nok: true\ndone: False\nnothing: ~\nempty:\n",
    "created: 2026-10-14\n",
    'location: "[[Saltmarsh Docks]]"\n',
    "aliases: [\"The Grey Lady\", 'Quartermaster Vale', plain]\n",
    "x: it's\n",
    "quote: 'it''s fine'\n",
    "# a comment line\ntitle: x\n\n",
    "title: x\r\ntags: [a, b]\r\n",
    "url: https://example.org/a#b\n",
    "title: Session 03 — The Choir\n",
    "a: 1\nb:\n  - x\nc: y\n",
  ];
  for (const c of cases) strictEqual(agrees(c), true, `fast path declined ${JSON.stringify(c)}`);
});

Deno.test("anything outside the subset is declined, leaving it to the full parser", () => {
  const cases = [
    "stats:\n  hp: 10\n",
    "a: 1\na: 2\n",
    "desc: |\n  multi\n  line\n",
    "x: &anchor 1\ny: *anchor\n",
    "x: !!str 5\n",
    'x: "esc\\n"\n',
    "x: 1.5\n",
    "x: 1e3\n",
    "x: 0x1F\n",
    "x: 007\n",
    "x: .inf\n",
    "x: value # comment\n",
    "x: a: b\n",
    "x: [a, [b]]\n",
    "x: {a: 1}\n",
    "- a\n- b\n",
    "just a scalar\n",
    "x:\n  - a\n    - b\n",
    "__proto__: 1\n",
    "x: 12345678901234567890\n",
  ];
  for (const c of cases) strictEqual(parseSimpleYaml(c), null, JSON.stringify(c));
});

Deno.test("every frontmatter block of the demo kiln agrees with YAML", () => {
  let answered = 0;
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory) walk(abs);
      else if (e.name.endsWith(".md")) {
        const text = Deno.readTextFileSync(abs);
        const m = /^---\n([\s\S]*?)\n---\n/.exec(text);
        if (m && agrees(m[1] + "\n")) answered++;
      }
    }
  };
  walk(DEMO_KILN);
  // Most real frontmatter is in the subset; the test is meaningless if none was.
  strictEqual(answered > 20, true, `only ${answered} demo notes took the fast path`);
});

Deno.test("thousands of generated blocks: whenever the fast path answers, YAML agrees", () => {
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const atoms = [
    "a",
    "Mira Vale",
    "3",
    "-7",
    "0",
    "+4",
    "1.5",
    "true",
    "no",
    "yes",
    "null",
    "~",
    "",
    "''",
    '""',
    "'x''y'",
    '"[[Link]]"',
    "[[Link]]",
    "#tag",
    "a#b",
    "a: b",
    "a:b",
    "x,y",
    "-",
    "- x",
    "? q",
    "@at",
    "`tick`",
    "%p",
    "!bang",
    "&amp",
    "*star",
    "|",
    ">",
    "{a}",
    "[a]",
    "2026-10-14",
    "12:30",
    "0o17",
    "0x1f",
    "007",
    "1e5",
    ".5",
    "Ünïcode",
    "it's",
    '"q"uote',
    "'",
    '"',
    "[a, b]",
    "[a,b,]",
    "[ ]",
    '["a, b", c]',
    "['x', \"y\"]",
  ];
  const keys = ["title", "tags", "a", "b_c", "d-e", "x1", "Title", "title"];
  let answered = 0;
  for (let i = 0; i < 4000; i++) {
    const lines: string[] = [];
    const n = 1 + rand(5);
    for (let j = 0; j < n; j++) {
      const key = keys[rand(keys.length)];
      const shape = rand(6);
      if (shape === 0) {
        lines.push(`${key}:`);
        const indent = rand(2) ? "  " : "";
        for (let k = rand(3); k > 0; k--) lines.push(`${indent}- ${atoms[rand(atoms.length)]}`);
      } else if (shape === 1) {
        const items = Array.from({ length: rand(4) }, () => atoms[rand(atoms.length)]);
        lines.push(`${key}: [${items.join(", ")}]`);
      } else if (shape === 2) {
        lines.push(`# note ${i}`);
      } else {
        lines.push(`${key}: ${atoms[rand(atoms.length)]}`);
      }
    }
    const text = lines.join(rand(4) === 0 ? "\r\n" : "\n") + "\n";
    let yamlOk = true;
    try {
      full(text);
    } catch {
      yamlOk = false;
    }
    if (!yamlOk) {
      strictEqual(
        parseSimpleYaml(text),
        null,
        `fast path accepted invalid ${JSON.stringify(text)}`,
      );
      continue;
    }
    if (agrees(text)) answered++;
  }
  strictEqual(answered > 500, true, `only ${answered} generated blocks took the fast path`);
});
