/**
 * The `graph` template: walk the link graph from a note with `crucible.graph.traverse` and group
 * what it reaches by distance.
 *
 * @module
 */
import type { TemplateCase, TemplateDefinition } from "../templates.ts";

const SHARED = {
  kind: "graph" as const,
  summary: "walk the link graph from a note and group what it reaches by distance",
  description: "List the notes reachable from a note, grouped by how many links away they are",
  capabilities: ["KilnRead"],
  parameters: {
    start: {
      type: "string" as const,
      description: "Path, name or alias of the first note",
      required: true,
    },
    depth: {
      type: "integer" as const,
      description: "How many links to follow",
      default: 2,
      minimum: 1,
      maximum: 10,
    },
  },
  returns: {
    type: "object",
    properties: { start: "string", levels: "array", count: "integer" },
  },
  examples: [
    { name: "the start is required", params: {}, error: "E_INVALID_PARAMS" },
  ] satisfies TemplateCase[],
  notes: {
    "A.md": "# A\n\nSee [[B]] and [[C]].\n",
    "B.md": "# B\n\nOn to [[D]].\n",
    "C.md": "# C\n",
    "D.md": "# D\n\nBack to [[A]].\n",
  },
  cases: [
    {
      name: "groups reachable notes by distance",
      params: { start: "A" },
      output: { start: "A.md", levels: [["A.md"], ["B.md", "C.md"], ["D.md"]], count: 4 },
    },
    {
      name: "stops at the depth",
      params: { start: "A", depth: 1 },
      output: { start: "A.md", levels: [["A.md"], ["B.md", "C.md"]], count: 3 },
    },
    { name: "a missing start is not found", params: { start: "Nowhere" }, error: "E_NOT_FOUND" },
  ] satisfies TemplateCase[],
};

/** The graph template in Rune and Lua. */
export const GRAPH_TEMPLATES: TemplateDefinition[] = [
  {
    ...SHARED,
    language: "rune",
    code: `
/// Group visited notes by their distance from the start: level 0 is the start itself.
pub fn by_depth(visits) {
    let levels = [];
    for visit in visits {
        while levels.len() <= visit.depth {
            levels.push([]);
        }
        levels[visit.depth].push(visit.path);
    }
    levels
}

pub fn main(params) {
    let visits = crucible::graph::traverse(params.start, #{ depth: params.depth });
    #{ start: visits[0].path, levels: by_depth(visits), count: visits.len() }
}

#[test]
fn groups_by_depth() {
    let visits = [
        #{ path: "A.md", depth: 0 },
        #{ path: "B.md", depth: 1 },
        #{ path: "C.md", depth: 1 },
        #{ path: "D.md", depth: 2 },
    ];
    assert_eq!(by_depth(visits), [["A.md"], ["B.md", "C.md"], ["D.md"]]);
}
`,
  },
  {
    ...SHARED,
    language: "lua",
    code: `
local M = {}

--- Group visited notes by their distance from the start: levels[1] is the start itself.
function M.by_depth(visits)
  local levels = {}
  for _, visit in ipairs(visits) do
    for d = #levels + 1, visit.depth + 1 do
      levels[d] = {}
    end
    local level = levels[visit.depth + 1]
    level[#level + 1] = visit.path
  end
  return levels
end

function M.main(params)
  local visits = crucible.graph.traverse(params.start, { depth = params.depth })
  return { start = visits[1].path, levels = M.by_depth(visits), count = #visits }
end

function M.test_groups_by_depth()
  local levels = M.by_depth({
    { path = "A.md", depth = 0 },
    { path = "B.md", depth = 1 },
    { path = "C.md", depth = 1 },
    { path = "D.md", depth = 2 },
  })
  assert(#levels == 3, "three levels")
  assert(levels[2][1] == "B.md" and levels[2][2] == "C.md", "B and C one link away")
  assert(levels[3][1] == "D.md", "D two links away")
end

return M
`,
  },
];
