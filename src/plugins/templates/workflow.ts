/**
 * The `workflow` template: a DAG of tasks run by the standard library (`crucible.workflow`), each
 * task a function of the plugin that gets the outputs of the tasks it depends on.
 *
 * @module
 */
import type { TemplateCase, TemplateDefinition } from "../templates.ts";

const RESULT = {
  status: "ok",
  outputs: {
    words: ["the", "quick", "brown", "fox", "jumps"],
    count: 5,
    longest: "quick",
    summary: "5 words, the longest is quick",
  },
};

const SHARED = {
  kind: "workflow" as const,
  summary: "a DAG of tasks (crucible.workflow), each using the outputs of the tasks it needs",
  description: "Analyse a text in tasks that run in dependency order",
  capabilities: ["KilnRead"],
  parameters: {
    text: { type: "string" as const, description: "The text the tasks work on", required: true },
  },
  returns: { type: "object", properties: { status: "string", order: "array", outputs: "object" } },
  // Examples compare whole results, and the order of independent tasks is the library's to
  // choose, so the example shows the required parameter and the cases match the outputs.
  examples: [
    { name: "the text is required", params: {}, error: "E_INVALID_PARAMS" },
  ] satisfies TemplateCase[],
  cases: [
    {
      name: "runs every task after the tasks it needs",
      params: { text: "The quick brown fox jumps" },
      match: RESULT,
    },
    {
      name: "an empty text still runs every task",
      params: { text: "" },
      match: { status: "ok", outputs: { count: 0, longest: "" } },
    },
  ] satisfies TemplateCase[],
};

/** The workflow template in Rune and Lua. */
export const WORKFLOW_TEMPLATES: TemplateDefinition[] = [
  {
    ...SHARED,
    language: "rune",
    code: `
/// The longest of some words (the first one, when several are as long).
pub fn longest(words) {
    let best = "";
    for word in words {
        if word.len() > best.len() {
            best = word;
        }
    }
    best
}

/// The tasks: what each does with the workflow's input and the outputs of its deps.
pub fn tasks() {
    #{
        words: #{ run: |c| c.input.split_whitespace().map(|w| w.to_lowercase()).collect::<Vec>() },
        count: #{ deps: ["words"], run: |c| c.deps.words.len() },
        longest: #{ deps: ["words"], run: |c| longest(c.deps.words) },
        summary: #{
            deps: ["count", "longest"],
            run: |c| format!("{} words, the longest is {}", c.deps.count, c.deps.longest),
        },
    }
}

pub fn main(params) {
    let report = crucible::workflow::run(
        #{ name: "text", tasks: tasks() },
        #{ input: params.text, progress: false },
    );
    if !report.ok {
        return Err(format!("the workflow {}: failed {:?}, skipped {:?}", report.status, report.failed, report.skipped));
    }
    #{ status: report.status, order: report.order, outputs: report.outputs }
}

#[test]
fn finds_the_longest_word() {
    assert_eq!(longest(["a", "bcd", "efg", "hi"]), "bcd");
    assert_eq!(longest([]), "");
}

#[test]
fn a_cycle_is_refused() {
    let check = crucible::workflow::validate(#{ tasks: #{
        a: #{ deps: ["b"], run: "main" },
        b: #{ deps: ["a"], run: "main" },
    } });
    assert!(!check.ok);
}
`,
  },
  {
    ...SHARED,
    language: "lua",
    code: `
local M = {}

--- The longest of some words (the first one, when several are as long).
function M.longest(words)
  local best = ""
  for _, word in ipairs(words) do
    if #word > #best then best = word end
  end
  return best
end

--- The tasks: what each does with the workflow's input and the outputs of its deps.
M.tasks = {
  words = {
    run = function(c)
      local words = {}
      for word in c.input:gmatch("%S+") do words[#words + 1] = word:lower() end
      return crucible.array(words)
    end,
  },
  count = { deps = { "words" }, run = function(c) return #c.deps.words end },
  longest = { deps = { "words" }, run = function(c) return M.longest(c.deps.words) end },
  summary = {
    deps = { "count", "longest" },
    run = function(c)
      return string.format("%d words, the longest is %s", c.deps.count, c.deps.longest)
    end,
  },
}

function M.main(params)
  local report = crucible.workflow.run({ name = "text", tasks = M.tasks },
    { input = params.text, progress = false })
  if not report.ok then
    error("the workflow " .. report.status .. ": failed " .. table.concat(report.failed, ", "), 0)
  end
  return { status = report.status, order = report.order, outputs = report.outputs }
end

function M.test_finds_the_longest_word()
  assert(M.longest({ "a", "bcd", "efg", "hi" }) == "bcd")
  assert(M.longest({}) == "")
end

function M.test_a_cycle_is_refused()
  local check = crucible.workflow.validate({ tasks = {
    a = { deps = { "b" }, run = "main" },
    b = { deps = { "a" }, run = "main" },
  } })
  assert(not check.ok)
end

return M
`,
  },
];
