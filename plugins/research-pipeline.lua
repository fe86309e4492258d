---
name: research-pipeline
description: Build a reading report for a research folder with a DAG workflow - parse every paper's BibTeX in parallel, order the reading list, map the concepts, write the report
version: 1.0.0
author: cru
language: lua
capabilities: [KilnRead]
dependencies:
  bibtex-parser: ^1.0.0
parameters:
  folder:
    type: string
    description: Folder of paper notes
    default: research/papers
  hub:
    type: string
    description: The concept note the concept map starts from
    default: Personal Knowledge Graphs
  parallel:
    type: integer
    description: How many papers are parsed at once (each in its own sandbox)
    minimum: 1
    maximum: 8
    default: 3
returns:
  type: object
  properties:
    report: string
    status: string
    tasks: object
tags: [research, workflow, bibtex]
---
-- The pipeline, as a DAG:
--
--   cite:<paper> (one bibtex-parser run per paper, in parallel) --\
--                                                                  > reading-list --\
--   concepts (walk the link graph from the hub note) ---------------------------------> report
--
-- A paper whose BibTeX cannot be parsed fails its task; the reading list then waits for
-- nothing (it is skipped) but the concept map still runs, and the report says what failed.
local M = {}

local function citation(entry)
  local f = entry.fields or {}
  local authors = f.author or "?"
  return string.format("%s (%s). %s. %s", authors, f.year or "n.d.", f.title or entry.key,
    f.journal or f.booktitle or f.publisher or "")
end

function M.main(params)
  local papers = crucible.list_notes(params.folder, { fields = { "path", "title", "frontmatter" } })
  local tasks = {}
  local cite_ids = {}
  for _, paper in ipairs(papers) do
    local id = "cite:" .. crucible.text.slugify(crucible.path.stem(paper.path))
    cite_ids[#cite_ids + 1] = id
    tasks[id] = { plugin = "bibtex-parser", params = { path = paper.path }, retries = 1, backoff_ms = 50 }
  end

  tasks["reading-list"] = {
    deps = cite_ids,
    run = function(c)
      local items = {}
      for _, id in ipairs(cite_ids) do
        for _, entry in ipairs(c.deps[id] or {}) do
          items[#items + 1] = { year = tonumber((entry.fields or {}).year) or 0, text = citation(entry) }
        end
      end
      table.sort(items, function(a, b)
        if a.year ~= b.year then return a.year < b.year end
        return a.text < b.text
      end)
      local lines = {}
      for i, item in ipairs(items) do lines[i] = i .. ". " .. item.text end
      return lines
    end,
  }

  tasks["concepts"] = {
    run = function(c)
      local lines = {}
      for _, n in ipairs(crucible.graph.bfs(c.input.hub, { depth = 2, direction = "out", limit = 40 })) do
        if n.depth > 0 then
          lines[#lines + 1] = string.rep("  ", n.depth - 1) .. "- [[" .. n.title .. "]]"
        end
      end
      return lines
    end,
  }

  tasks["report"] = {
    deps = { "reading-list", "concepts" },
    run = function(c)
      return crucible.text.template(
        "# Reading report: {{folder}}\n\n_{{date}}_\n\n## Reading list (oldest first)\n\n{{list}}\n\n## Concepts around {{hub}}\n\n{{concepts}}\n",
        {
          folder = c.input.folder,
          hub = c.input.hub,
          date = crucible.time.format(crucible.time.now(), "D MMMM YYYY"),
          list = table.concat(c.deps["reading-list"], "\n"),
          concepts = table.concat(c.deps.concepts, "\n"),
        })
    end,
  }

  local result = crucible.workflow.run({ name = "research", tasks = tasks }, {
    parallel = params.parallel,
    input = { folder = params.folder, hub = params.hub },
  })
  local summary = {}
  for id, t in pairs(result.tasks) do summary[id] = t.status end
  return {
    status = result.status,
    report = result.outputs.report,
    papers = #cite_ids,
    failed = result.failed,
    skipped = result.skipped,
    tasks = summary,
  }
end

return M
