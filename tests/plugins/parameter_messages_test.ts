/**
 * Parameter errors speak of the plugin's parameters ("parameter `times` is required (an
 * integer)"), not in the validation library's words, and suggest the name an unknown key was
 * probably meant to be.
 */
import { deepStrictEqual, doesNotMatch, match, strictEqual } from "node:assert/strict";
import { parametersValidator, parseParameters } from "../../src/plugins/parameters.ts";
import { parameterProblem } from "../../src/plugins/parameter_errors.ts";
import { runCruJson, tempKiln } from "../helpers.ts";

const SPEC = {
  times: { type: "integer", required: true, minimum: 1 },
  word: "string",
  mode: { type: "string", enum: ["sum", "max"], default: "sum" },
  tags: { type: "array", items: "string" },
  options: { type: "object", properties: { depth: "integer" } },
  code: { type: "string", pattern: "^[A-Z]+$" },
};

function problemOf(input: unknown): string {
  const { parameters, problems } = parseParameters(SPEC);
  deepStrictEqual(problems, []);
  const check = parametersValidator(parameters).safeParse(input);
  if (check.success) throw new Error(`${JSON.stringify(input)} was accepted`);
  return parameterProblem(check.error.issues[0], { parameters, input });
}

Deno.test("a missing required parameter names it and its type", () => {
  strictEqual(problemOf({}), "parameter `times` is required (an integer)");
});

Deno.test("a wrong type names the wanted type and what was given", () => {
  strictEqual(problemOf({ times: 2.5 }), "parameter `times` must be an integer, got 2.5");
  strictEqual(
    problemOf({ times: "three" }),
    'parameter `times` must be an integer, got the string "three"',
  );
  strictEqual(problemOf({ times: 1, word: 3 }), "parameter `word` must be a string, got 3");
  strictEqual(
    problemOf({ times: 1, tags: ["a", 2] }),
    "parameter `tags[1]` must be a string, got 2",
  );
  strictEqual(
    problemOf({ times: 1, options: { depth: "deep" } }),
    'parameter `options.depth` must be an integer, got the string "deep"',
  );
  strictEqual(
    problemOf({ times: 1, tags: "a" }),
    'parameter `tags` must be a list of strings, got the string "a"',
  );
});

Deno.test("bounds, enums and patterns say what is allowed", () => {
  strictEqual(problemOf({ times: 0 }), "parameter `times` must be at least 1, got 0");
  strictEqual(
    problemOf({ times: 1, mode: "min" }),
    'parameter `mode` must be one of "sum", "max", got the string "min"',
  );
  strictEqual(
    problemOf({ times: 1, code: "ab" }),
    'parameter `code` must match the pattern ^[A-Z]+$, got the string "ab"',
  );
});

Deno.test("an unknown parameter gets a did-you-mean, or the list of parameters", () => {
  strictEqual(problemOf({ times: 1, tims: 2 }), "unknown parameter `tims` (did you mean `times`?)");
  const far = problemOf({ times: 1, zzzzzzzz: 2 });
  match(far, /^unknown parameter `zzzzzzzz` \(the parameters are `times`, `word`, `mode`/);
});

Deno.test("no message uses the validation library's words", () => {
  for (
    const input of [{}, { times: 2.5 }, { times: 0 }, { times: 1, x: 1 }, [], { times: 1, tags: 1 }]
  ) {
    doesNotMatch(problemOf(input), /expected|received|Invalid input|Unrecognized/);
  }
});

Deno.test("a default that does not fit its parameter is reported in the same words", () => {
  const { problems } = parseParameters({ n: { type: "integer", default: 1.5 } });
  strictEqual(
    problems[0].message,
    "default 1.5 does not fit: parameter `n` must be an integer, got 1.5",
  );
});

Deno.test("plugins run --json keeps {code, message} and carries the new wording", async () => {
  using kiln = tempKiln({
    ".crucible/plugins/rep.lua": "---\nname: rep\ndescription: Repeat a word\nparameters:\n" +
      "  times: {type: integer, required: true}\n  word: string\n---\n" +
      'return { main = function(p) return string.rep(p.word or "x", p.times) end }\n',
  });
  type Reply = { ok: boolean; error?: Record<string, unknown> };
  const missing = await runCruJson<Reply>(
    ["--kiln", kiln.root, "plugins", "run", "rep", "--params", "{}"],
  );
  strictEqual(missing.code, 1);
  deepStrictEqual(Object.keys(missing.json.error!).sort(), ["code", "message"]);
  strictEqual(missing.json.error!.code, "E_INVALID_PARAMS");
  strictEqual(
    missing.json.error!.message,
    "rep: parameter `times` is required (an integer); see cru plugins show rep",
  );
  const typo = await runCruJson<Reply>(
    ["--kiln", kiln.root, "plugins", "run", "rep", "--params", '{"times": 2, "wrod": "a"}'],
  );
  strictEqual(typo.json.error!.code, "E_INVALID_PARAMS");
  match(String(typo.json.error!.message), /unknown parameter `wrod` \(did you mean `word`\?\)/);
});
