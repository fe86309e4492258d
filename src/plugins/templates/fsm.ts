/**
 * The `fsm` template: a state machine from the standard library (`crucible.fsm`), one instance per
 * document, its state saved between runs and advanced by one event per invocation.
 *
 * @module
 */
import type { TemplateCase, TemplateDefinition } from "../templates.ts";

const SUBMITTED = {
  document: "document",
  from: "draft",
  event: "submit",
  to: "review",
  allowed: ["approve", "reject"],
};

const SHARED = {
  kind: "fsm" as const,
  summary: "a state machine (crucible.fsm) advanced by one event per run, its state saved",
  description: "Move a document through draft, review, published and archived",
  capabilities: ["StateManage"],
  parameters: {
    event: {
      type: "string" as const,
      description: "What happened: submit, approve, reject or archive",
      required: true,
    },
    document: {
      type: "string" as const,
      description: "Which document; each has its own saved state",
      default: "document",
    },
    state: {
      type: "string" as const,
      description: "Start this document over from this state instead of its saved one",
    },
  },
  returns: {
    type: "object",
    properties: {
      document: "string",
      from: "string",
      event: "string",
      to: "string",
      allowed: "array",
    },
  },
  examples: [
    { name: "a new document starts as a draft", params: { event: "submit" }, output: SUBMITTED },
  ] satisfies TemplateCase[],
  cases: [
    {
      name: "starting from another state",
      params: { document: "essay", state: "review", event: "approve" },
      output: {
        document: "essay",
        from: "review",
        event: "approve",
        to: "published",
        allowed: ["archive"],
      },
    },
    {
      name: "a draft cannot be approved",
      params: { event: "approve" },
      error: "E_RUNTIME",
      message: "no transition on approve from draft",
    },
  ] satisfies TemplateCase[],
};

/** The fsm template in Rune and Lua. */
export const FSM_TEMPLATES: TemplateDefinition[] = [
  {
    ...SHARED,
    language: "rune",
    code: `
/// The machine: a document goes from draft through review to published, then archived.
pub fn machine(initial) {
    #{
        initial: initial,
        states: ["draft", "review", "published", "archived"],
        final: ["archived"],
        transitions: [
            #{ from: "draft", event: "submit", to: "review" },
            #{ from: "review", event: "approve", to: "published" },
            #{ from: "review", event: "reject", to: "draft" },
            #{ from: "published", event: "archive", to: "archived" },
        ],
    }
}

pub fn main(params) {
    let id = params.document;
    match params.get("state") {
        // Start over from the given state.
        Some(state) => crucible::fsm::create(id, machine(state), #{ reset: true }),
        // Restores the state saved for this document by earlier runs.
        None => crucible::fsm::create(id, machine("draft")),
    };
    let moved = crucible::fsm::transition(id, params.event);
    if !moved.ok {
        return Err(moved.reason);
    }
    let now = crucible::fsm::get(id);
    #{ document: id, from: moved.from, event: params.event, to: moved.to, allowed: now.events }
}

#[test]
fn the_machine_is_valid() {
    let check = crucible::fsm::validate(machine("draft"));
    assert!(check.ok, "{:?}", check.errors);
}

#[test]
fn a_draft_goes_to_review_and_no_further_on_submit() {
    crucible::fsm::create("t", machine("draft"), #{ persist: false });
    assert_eq!(crucible::fsm::transition("t", "submit").to, "review");
    assert!(!crucible::fsm::can("t", "submit"));
    assert!(crucible::fsm::can("t", "reject"));
}
`,
  },
  {
    ...SHARED,
    language: "lua",
    code: `
local M = {}

--- The machine: a document goes from draft through review to published, then archived.
function M.machine(initial)
  return {
    initial = initial,
    states = { "draft", "review", "published", "archived" },
    final = { "archived" },
    transitions = {
      { from = "draft", event = "submit", to = "review" },
      { from = "review", event = "approve", to = "published" },
      { from = "review", event = "reject", to = "draft" },
      { from = "published", event = "archive", to = "archived" },
    },
  }
end

function M.main(params)
  local id = params.document
  if params.state then
    -- Start over from the given state.
    crucible.fsm.create(id, M.machine(params.state), { reset = true })
  else
    -- Restores the state saved for this document by earlier runs.
    crucible.fsm.create(id, M.machine("draft"))
  end
  local moved = crucible.fsm.transition(id, params.event)
  if not moved.ok then
    error(moved.reason, 0)
  end
  local now = crucible.fsm.get(id)
  return { document = id, from = moved.from, event = params.event, to = moved.to, allowed = now.events }
end

function M.test_the_machine_is_valid()
  local check = crucible.fsm.validate(M.machine("draft"))
  assert(check.ok, table.concat(check.errors, "; "))
end

function M.test_a_draft_goes_to_review_and_no_further_on_submit()
  crucible.fsm.create("t", M.machine("draft"), { persist = false })
  assert(crucible.fsm.transition("t", "submit").to == "review")
  assert(not crucible.fsm.can("t", "submit"))
  assert(crucible.fsm.can("t", "reject"))
end

return M
`,
  },
];
