/**
 * The `fsm` template: a finite state machine whose current state is kept in the plugin's state
 * (`crucible.state`), advanced by one event per invocation.
 *
 * @module
 */
import type { TemplateCase, TemplateDefinition } from "../templates.ts";

const SUBMITTED = { from: "draft", event: "submit", to: "review", allowed: ["approve", "reject"] };

const SHARED = {
  kind: "fsm" as const,
  summary: "a state machine advanced by one event per run, its state kept between runs",
  description: "Move a document through draft, review, published and archived",
  capabilities: ["StateManage"],
  parameters: {
    event: {
      type: "string" as const,
      description: "What happened: submit, approve, reject or archive",
      required: true,
    },
    state: {
      type: "string" as const,
      description: "Start from this state instead of the stored one",
    },
  },
  returns: {
    type: "object",
    properties: { from: "string", event: "string", to: "string", allowed: "array" },
  },
  examples: [
    { name: "a new document starts as a draft", params: { event: "submit" }, output: SUBMITTED },
  ] satisfies TemplateCase[],
  cases: [
    {
      name: "an explicit state",
      params: { state: "review", event: "approve" },
      output: { from: "review", event: "approve", to: "published", allowed: ["archive"] },
    },
    {
      name: "a draft cannot be approved",
      params: { event: "approve" },
      error: "E_RUNTIME",
      message: "cannot approve from draft",
    },
  ] satisfies TemplateCase[],
};

/** The fsm template in Rune and Lua. */
export const FSM_TEMPLATES: TemplateDefinition[] = [
  {
    ...SHARED,
    language: "rune",
    code: `
/// The machine: for each state, the events it accepts and the state each one leads to.
pub fn machine() {
    #{
        draft: #{ submit: "review" },
        review: #{ approve: "published", reject: "draft" },
        published: #{ archive: "archived" },
        archived: #{},
    }
}

/// The state an event leads to, or None when the state does not accept the event.
pub fn next_state(machine, state, event) {
    match machine.get(state) {
        Some(events) => events.get(event),
        None => None,
    }
}

/// The events a state accepts, sorted.
pub fn allowed(machine, state) {
    let events = match machine.get(state) {
        Some(events) => events.keys().collect::<Vec>(),
        None => [],
    };
    events.sort();
    events
}

pub fn main(params) {
    let machine = machine();
    let from = match params.get("state") {
        Some(state) => state,
        None => {
            let stored = crucible::state::get("state");
            if stored is String { stored } else { "draft" }
        }
    };
    let to = match next_state(machine, from, params.event) {
        Some(to) => to,
        None => {
            let options = allowed(machine, from).join(", ");
            return Err(format!("cannot {} from {}; allowed: {}", params.event, from, options));
        }
    };
    crucible::state::set("state", to);
    #{ from: from, event: params.event, to: to, allowed: allowed(machine, to) }
}

#[test]
fn events_move_between_states() {
    let m = machine();
    assert_eq!(next_state(m, "draft", "submit"), Some("review"));
    assert_eq!(next_state(m, "review", "reject"), Some("draft"));
    assert_eq!(next_state(m, "draft", "approve"), None);
}

#[test]
fn lists_allowed_events() {
    assert_eq!(allowed(machine(), "review"), ["approve", "reject"]);
    assert_eq!(allowed(machine(), "archived"), []);
}
`,
  },
  {
    ...SHARED,
    language: "lua",
    code: `
local M = {}

--- The machine: for each state, the events it accepts and the state each one leads to.
M.machine = {
  draft = { submit = "review" },
  review = { approve = "published", reject = "draft" },
  published = { archive = "archived" },
  archived = {},
}

--- The events a state accepts, sorted.
function M.allowed(state)
  local events = {}
  for event in pairs(M.machine[state] or {}) do events[#events + 1] = event end
  table.sort(events)
  return crucible.array(events)
end

function M.main(params)
  local from = params.state or crucible.state.get("state") or "draft"
  local to = (M.machine[from] or {})[params.event]
  if not to then
    error(string.format("cannot %s from %s; allowed: %s", params.event, from,
      table.concat(M.allowed(from), ", ")), 0)
  end
  crucible.state.set("state", to)
  return { from = from, event = params.event, to = to, allowed = M.allowed(to) }
end

function M.test_events_move_between_states()
  assert(M.machine.draft.submit == "review")
  assert(M.machine.review.reject == "draft")
  assert(M.machine.draft.approve == nil)
end

function M.test_lists_allowed_events()
  local allowed = M.allowed("review")
  assert(#allowed == 2 and allowed[1] == "approve" and allowed[2] == "reject")
  assert(#M.allowed("archived") == 0)
end

return M
`,
  },
];
