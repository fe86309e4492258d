import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import {
  parametersSchema,
  parametersValidator,
  parseManifest,
  type PluginProblem,
  splitPluginSource,
} from "../../src/plugins/mod.ts";

const SPEC_EXAMPLE = `---
name: dice-roller
description: Roll dice using standard notation (2d6+3)
version: 1.0.0
author: user@example.com
language: rune
capabilities: [KilnRead]
parameters:
  expression:
    type: string
    description: Dice notation (e.g., "2d6+3", "1d20")
    required: true
returns:
  type: object
  properties:
    expression: string
    result: number
    rolls: array
---
pub fn main(params) { params }
`;

function manifestOf(file: string, text: string) {
  const src = splitPluginSource(file, text);
  const r = parseManifest(src);
  return { ...r, problems: [...src.problems, ...r.problems], src };
}

function only(problems: PluginProblem[], field: string): PluginProblem {
  const found = problems.filter((p) => p.field === field);
  strictEqual(found.length, 1, `expected one problem at ${field}, got ${JSON.stringify(problems)}`);
  return found[0];
}

Deno.test("the spec's dice-roller manifest is accepted as is", () => {
  const { manifest, problems } = manifestOf("/p/dice-roller.rune", SPEC_EXAMPLE);
  deepStrictEqual(problems, []);
  ok(manifest);
  strictEqual(manifest.name, "dice-roller");
  strictEqual(manifest.version, "1.0.0");
  strictEqual(manifest.language, "rune");
  strictEqual(manifest.entry, "main");
  deepStrictEqual(manifest.capabilities, [{ name: "KilnRead" }]);
  deepStrictEqual(manifest.returns, {
    type: "object",
    properties: {
      expression: { type: "string" },
      result: { type: "number" },
      rolls: { type: "array" },
    },
  });
  deepStrictEqual(parametersSchema(manifest.parameters), {
    type: "object",
    properties: {
      expression: { type: "string", description: 'Dice notation (e.g., "2d6+3", "1d20")' },
    },
    required: ["expression"],
    additionalProperties: false,
  });
});

Deno.test("defaults: version 0.1.0, KilnRead, entry main, language from the extension", () => {
  const { manifest } = manifestOf("/p/x.lua", "---\nname: x\ndescription: d\n---\nreturn {}\n");
  ok(manifest);
  deepStrictEqual(
    [manifest.version, manifest.capabilities, manifest.entry, manifest.language],
    ["0.1.0", [{ name: "KilnRead" }], "main", "lua"],
  );
});

Deno.test("code keeps the file's line numbers after the frontmatter is stripped", () => {
  const { src } = manifestOf(
    "/p/x.lua",
    "---\nname: x\ndescription: d\n---\nlocal a = 1\nerror()\n",
  );
  strictEqual(src.code.split("\n")[5], "error()");
  strictEqual(src.codeLine, 5);
});

Deno.test("each bad field is reported with its line and what would be valid", () => {
  const cases: [string, string, number, RegExp][] = [
    ["name: Dice Roller\ndescription: d", "name", 2, /lowercase letters, digits and hyphens/],
    ["description: d", "name", 2, /missing name/],
    ["name: x", "description", 2, /missing description/],
    ["name: x\ndescription: d\nversion: one", "version", 4, /not a semantic version/],
    ["name: x\ndescription: d\nlanguage: python", "language", 4, /not supported/],
    [
      "name: x\ndescription: d\ncapabilities: [KilnRaed]",
      "capabilities.0",
      4,
      /did you mean KilnRead/,
    ],
    [
      "name: x\ndescription: d\ncapabilities:\n  - NetworkHttps",
      "capabilities.0",
      5,
      /needs the hosts/,
    ],
    [
      "name: x\ndescription: d\ncapabilities:\n  - NetworkHttps: [https://a.org/x]",
      "capabilities.0",
      5,
      /not a host name/,
    ],
    [
      "name: x\ndescription: d\ncapabilities:\n  - FsRead: [relative/p]",
      "capabilities.0",
      5,
      /absolute/,
    ],
    [
      "name: x\ndescription: d\ncapabilities:\n  - StateManage: world",
      "capabilities.0",
      5,
      /plugin, kiln, global/,
    ],
    [
      "name: x\ndescription: d\nparameters:\n  n:\n    type: float",
      "parameters.n.type",
      6,
      /unknown type/,
    ],
    [
      "name: x\ndescription: d\nparameters:\n  n:\n    type: integer\n    default: high",
      "parameters.n.default",
      7,
      /does not fit/,
    ],
    [
      "name: x\ndescription: d\nparameters:\n  m:\n    type: string\n    enum: [a, 3]",
      "parameters.m.enum",
      7,
      /is not a string/,
    ],
    ["name: x\ndescription: d\nentry: 2fast", "entry", 4, /not a function name/],
    [
      "name: x\ndescription: d\ndependencies:\n  other: not-a-range!",
      "dependencies.other",
      5,
      /not a semver range/,
    ],
    ["name: x\ndescription: d\nlimits:\n  timeout: forever", "limits.timeout", 5, /not a duration/],
    ["name: x\ndescription: d\nlimits:\n  memory: lots", "limits.memory", 5, /not a size/],
    [
      "name: x\ndescription: d\nexamples:\n  - input: {a: 1}",
      "examples.0",
      5,
      /expected output or error/,
    ],
    ["name: x\ndescription: d\nisolation: vm", "isolation", 4, /not known/],
  ];
  for (const [yaml, field, line, message] of cases) {
    const { manifest, problems } = manifestOf("/p/x.lua", `---\n${yaml}\n---\nreturn {}\n`);
    strictEqual(manifest, null, `${field} should make the manifest invalid`);
    const p = only(problems, field);
    strictEqual(p.line, line, `${field}: line`);
    strictEqual(p.file, "/p/x.lua");
    ok(message.test(p.message), `${field}: ${p.message}`);
    strictEqual(p.severity, "error");
  }
});

Deno.test("unknown keys are warnings with a suggestion; the manifest stays valid", () => {
  const { manifest, problems } = manifestOf(
    "/p/x.lua",
    "---\nname: x\ndescription: d\nVersion: 1.0.0\ncolour: red\n---\nreturn {}\n",
  );
  ok(manifest);
  const v = only(problems, "Version");
  strictEqual(v.severity, "warning");
  strictEqual(v.line, 4);
  ok(v.hint?.includes("did you mean version"));
  strictEqual(only(problems, "colour").line, 5);
});

Deno.test("a language that contradicts the extension is an error", () => {
  const { problems } = manifestOf(
    "/p/x.lua",
    "---\nname: x\ndescription: d\nlanguage: rune\n---\n",
  );
  ok(only(problems, "language").message.includes("file extension says lua"));
});

Deno.test("Unsafe is a warning that says what it grants", () => {
  const { manifest, problems } = manifestOf(
    "/p/x.lua",
    "---\nname: x\ndescription: d\ncapabilities: [KilnRead, Unsafe]\n---\n",
  );
  ok(manifest);
  const w = only(problems, "capabilities");
  strictEqual(w.severity, "warning");
  ok(/without resource limits/.test(w.message));
});

Deno.test("capability scopes parse from the documented YAML forms", () => {
  const { manifest, problems } = manifestOf(
    "/p/x.lua",
    `---
name: x
description: d
capabilities:
  - KilnRead
  - KilnWrite
  - NetworkHttps: [api.crossref.org, "*.example.org", "localhost:8080"]
  - FsRead: ~/papers
  - StateManage: kiln
  - PluginInvoke: [bibtex-parser]
---
`,
  );
  deepStrictEqual(problems, []);
  deepStrictEqual(manifest?.capabilities, [
    { name: "KilnRead" },
    { name: "KilnWrite" },
    { name: "NetworkHttps", hosts: ["api.crossref.org", "*.example.org", "localhost:8080"] },
    { name: "FsRead", paths: ["~/papers"] },
    { name: "StateManage", scope: "kiln" },
    { name: "PluginInvoke", plugins: ["bibtex-parser"] },
  ]);
});

Deno.test("dependencies: map, list and object forms", () => {
  const forms = [
    "dependencies:\n  bibtex-parser: ^1.0.0\n  citer:\n    version: '>=2'\n    optional: true",
    "dependencies:\n  - bibtex-parser@^1.0.0\n  - {name: citer, version: '>=2', optional: true}",
  ];
  for (const f of forms) {
    const { manifest, problems } = manifestOf(
      "/p/x.lua",
      `---\nname: x\ndescription: d\n${f}\n---\n`,
    );
    deepStrictEqual(problems, []);
    deepStrictEqual(manifest?.dependencies, [
      { name: "bibtex-parser", range: "^1.0.0", optional: false },
      { name: "citer", range: ">=2", optional: true },
    ]);
  }
});

Deno.test("limits accept human units", () => {
  const { manifest } = manifestOf(
    "/p/x.lua",
    "---\nname: x\ndescription: d\nlimits:\n  memory: 64MB\n  timeout: 5s\n  rate: 10/s\n---\n",
  );
  deepStrictEqual(manifest?.limits, { memory: 64 * 1024 * 1024, timeout: 5000, rate: 600 });
});

Deno.test("the parameter validator checks types, enums, required and fills defaults", () => {
  const { manifest } = manifestOf(
    "/p/x.lua",
    `---
name: x
description: d
parameters:
  expression: {type: string, required: true}
  times: {type: integer, minimum: 1, maximum: 10, default: 1}
  mode: {type: string, enum: [sum, max]}
  tags: {type: array, items: string}
---
`,
  );
  ok(manifest);
  const v = parametersValidator(manifest.parameters);
  deepStrictEqual(v.parse({ expression: "2d6" }), { expression: "2d6", times: 1 });
  deepStrictEqual(v.parse({ expression: "1d4", mode: "max", tags: ["a"], times: 3 }), {
    expression: "1d4",
    mode: "max",
    tags: ["a"],
    times: 3,
  });
  for (
    const bad of [
      {},
      { expression: 5 },
      { expression: "x", times: 0 },
      { expression: "x", times: 1.5 },
      { expression: "x", mode: "min" },
      { expression: "x", tags: [1] },
      { expression: "x", extra: true },
    ]
  ) strictEqual(v.safeParse(bad).success, false, JSON.stringify(bad));
});

Deno.test("markdown plugins: exactly one rune or lua block", () => {
  const head = "---\nname: x\ndescription: d\n---\n# Docs\n\n";
  const one = manifestOf("/p/x.md", head + "Prose.\n\n```lua\nreturn 1\n```\n\nMore prose.\n");
  ok(one.manifest);
  deepStrictEqual(one.problems, []);
  strictEqual(one.manifest.language, "lua");
  strictEqual(one.src.code.split("\n")[9], "return 1");
  ok(one.manifest.docs.includes("Prose.") && one.manifest.docs.includes("More prose."));
  ok(!one.manifest.docs.includes("return 1"));

  const zero = manifestOf("/p/x.md", head + "```text\nnot code\n```\n");
  strictEqual(zero.manifest, null);
  strictEqual(only(zero.problems, "code").code, "code-block-missing");

  const two = manifestOf("/p/x.md", head + "```lua\nreturn 1\n```\n\n```rune\n1\n```\n");
  strictEqual(two.manifest, null);
  const p = only(two.problems, "code");
  strictEqual(p.code, "code-block-several");
  strictEqual(p.line, 11);
  ok(p.message.includes("lines 7, 11"));
});

Deno.test("a markdown plugin's fence language must agree with the manifest", () => {
  const r = manifestOf(
    "/p/x.md",
    "---\nname: x\ndescription: d\nlanguage: rune\n---\n```lua\nreturn 1\n```\n",
  );
  ok(only(r.problems, "language").message.includes("code block is lua"));
});

Deno.test("a file without frontmatter, or with broken YAML, is reported at its line", () => {
  const none = manifestOf("/p/x.lua", "return 1\n");
  strictEqual(none.manifest, null);
  strictEqual(none.problems[0].code, "manifest-missing");
  const broken = manifestOf("/p/x.lua", "---\nname: x\ndescription: [unclosed\n---\n");
  strictEqual(broken.manifest, null);
  strictEqual(broken.problems[0].code, "manifest-yaml");
  ok(broken.problems[0].line >= 3);
});
