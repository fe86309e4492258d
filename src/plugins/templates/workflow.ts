/**
 * The `workflow` template: named steps that each need the results of others, run in an order
 * that respects those needs (a small DAG runner written in the plugin's own language).
 *
 * @module
 */
import type { TemplateCase, TemplateDefinition } from "../templates.ts";

const RESULT = {
  order: ["words", "count", "longest", "summary"],
  results: {
    words: ["the", "quick", "brown", "fox", "jumps"],
    count: 5,
    longest: "quick",
    summary: "5 words, the longest is quick",
  },
};

const SHARED = {
  kind: "workflow" as const,
  summary: "run named steps in dependency order, each using the results of the steps it needs",
  description: "Analyse a text in steps that run in dependency order",
  capabilities: ["KilnRead"],
  parameters: {
    text: { type: "string" as const, description: "The text the steps work on", required: true },
  },
  returns: { type: "object", properties: { order: "array", results: "object" } },
  examples: [
    { name: "runs every step", params: { text: "The quick brown fox jumps" }, output: RESULT },
  ] satisfies TemplateCase[],
  cases: [
    {
      name: "an empty text still runs every step",
      params: { text: "" },
      match: { order: RESULT.order, results: { count: 0, longest: "" } },
    },
    { name: "the text is required", params: {}, error: "E_INVALID_PARAMS" },
  ] satisfies TemplateCase[],
};

/** The workflow template in Rune and Lua. */
export const WORKFLOW_TEMPLATES: TemplateDefinition[] = [
  {
    ...SHARED,
    language: "rune",
    code: `
/// The steps, in any order: each names the steps whose results it needs.
pub fn steps() {
    [
        #{ name: "summary", needs: ["count", "longest"] },
        #{ name: "words", needs: [] },
        #{ name: "count", needs: ["words"] },
        #{ name: "longest", needs: ["words"] },
    ]
}

/// An order in which every step comes after the steps it needs; Err on a cycle or a missing step.
pub fn order(steps) {
    let done = [];
    while done.len() < steps.len() {
        let progressed = false;
        for step in steps {
            if done.contains(step.name) {
                continue;
            }
            let ready = true;
            for need in step.needs {
                if !done.contains(need) {
                    ready = false;
                }
            }
            if ready {
                done.push(step.name);
                progressed = true;
            }
        }
        if !progressed {
            return Err("the steps have a cycle, or need a step that does not exist");
        }
    }
    Ok(done)
}

/// Run one step on the input and the results of the steps before it.
fn run_step(name, input, results) {
    match name {
        "words" => input.split_whitespace().map(|w| w.to_lowercase()).collect::<Vec>(),
        "count" => results["words"].len(),
        "longest" => {
            let best = "";
            for word in results["words"] {
                if word.len() > best.len() {
                    best = word;
                }
            }
            best
        }
        "summary" => format!("{} words, the longest is {}", results["count"], results["longest"]),
        _ => panic!("no step named {}", name),
    }
}

pub fn main(params) {
    let plan = order(steps())?;
    let results = #{};
    for name in plan {
        results[name] = run_step(name, params.text, results);
    }
    #{ order: plan, results: results }
}

#[test]
fn steps_come_after_what_they_need() {
    let plan = order(steps()).unwrap();
    for step in steps() {
        let at = plan.iter().position(|n| n == step.name).unwrap();
        for need in step.needs {
            assert!(plan.iter().position(|n| n == need).unwrap() < at);
        }
    }
}

#[test]
fn a_cycle_is_refused() {
    let cycle = [#{ name: "a", needs: ["b"] }, #{ name: "b", needs: ["a"] }];
    assert!(order(cycle).is_err());
}
`,
  },
  {
    ...SHARED,
    language: "lua",
    code: `
local M = {}

--- The steps, in any order: each names the steps whose results it needs.
function M.steps()
  return {
    { name = "summary", needs = { "count", "longest" } },
    { name = "words", needs = {} },
    { name = "count", needs = { "words" } },
    { name = "longest", needs = { "words" } },
  }
end

--- An order in which every step comes after the steps it needs; nil and a message on a cycle.
function M.order(steps)
  local done, seen = {}, {}
  while #done < #steps do
    local progressed = false
    for _, step in ipairs(steps) do
      if not seen[step.name] then
        local ready = true
        for _, need in ipairs(step.needs) do
          if not seen[need] then ready = false end
        end
        if ready then
          done[#done + 1] = step.name
          seen[step.name] = true
          progressed = true
        end
      end
    end
    if not progressed then
      return nil, "the steps have a cycle, or need a step that does not exist"
    end
  end
  return done
end

local run = {
  words = function(input)
    local words = {}
    for word in input:gmatch("%S+") do words[#words + 1] = word:lower() end
    return crucible.array(words)
  end,
  count = function(_, results) return #results.words end,
  longest = function(_, results)
    local best = ""
    for _, word in ipairs(results.words) do
      if #word > #best then best = word end
    end
    return best
  end,
  summary = function(_, results)
    return string.format("%d words, the longest is %s", results.count, results.longest)
  end,
}

function M.main(params)
  local plan, problem = M.order(M.steps())
  if not plan then error(problem, 0) end
  local results = {}
  for _, name in ipairs(plan) do
    results[name] = run[name](params.text, results)
  end
  return { order = plan, results = results }
end

function M.test_steps_come_after_what_they_need()
  local plan = assert(M.order(M.steps()))
  local at = {}
  for i, name in ipairs(plan) do at[name] = i end
  for _, step in ipairs(M.steps()) do
    for _, need in ipairs(step.needs) do
      assert(at[need] < at[step.name], need .. " runs before " .. step.name)
    end
  end
end

function M.test_a_cycle_is_refused()
  local plan = M.order({ { name = "a", needs = { "b" } }, { name = "b", needs = { "a" } } })
  assert(plan == nil)
end

return M
`,
  },
];
