---
name: related-notes
description: Suggest notes related to a note, from the link graph (nearby notes, same cluster, PageRank) and shared tags, with the reasons
version: 1.0.0
author: cru
language: lua
capabilities: [KilnRead]
parameters:
  note:
    type: string
    description: Path, name or alias of the note
    required: true
  limit:
    type: integer
    description: How many suggestions
    minimum: 1
    maximum: 50
    default: 8
returns:
  type: array
  items:
    type: object
    properties:
      path: string
      title: string
      score: number
      reasons: array
tags: [graph, discovery]
---
-- Scores, each with the reason shown to the user:
--   linked directly (either way)            1.0
--   two links away                          0.5
--   in the same link cluster (Louvain)      0.4
--   each shared tag                         0.3
--   importance in the kiln (PageRank)       up to 0.5, scaled to the top note
local M = {}

local function add(found, path, title, points, reason)
  local entry = found[path]
  if not entry then
    entry = { path = path, title = title, score = 0, reasons = {} }
    found[path] = entry
  end
  entry.score = entry.score + points
  entry.reasons[#entry.reasons + 1] = reason
end

function M.main(params)
  local g = crucible.graph
  local near = g.bfs(params.note, { depth = 2, direction = "both", limit = 500 })
  local start = near[1]
  local found = {}
  for i = 2, #near do
    local n = near[i]
    if n.depth == 1 then
      add(found, n.path, n.title, 1.0, "linked directly")
    else
      add(found, n.path, n.title, 0.5, "two links away, via " .. crucible.path.stem(n.via))
    end
  end

  for _, c in ipairs(g.communities({ min_size = 2 }).communities) do
    local mine = false
    for _, p in ipairs(c.notes) do if p == start.path then mine = true end end
    if mine then
      for _, p in ipairs(c.notes) do
        if p ~= start.path then add(found, p, crucible.path.stem(p), 0.4, "same cluster of notes") end
      end
    end
  end

  local notes = crucible.list_notes(nil, { fields = { "path", "title", "tags" } })
  local tags_of, title_of = {}, {}
  for _, n in ipairs(notes) do
    tags_of[n.path] = n.tags or {}
    title_of[n.path] = n.title
  end
  local mine = {}
  for _, t in ipairs(tags_of[start.path] or {}) do mine[t] = true end
  for _, n in ipairs(notes) do
    if n.path ~= start.path then
      for _, t in ipairs(n.tags or {}) do
        if mine[t] then add(found, n.path, n.title, 0.3, "shares #" .. t) end
      end
    end
  end

  local ranks = g.pagerank({ limit = 10000 })
  local top = ranks[1] and ranks[1].score or 1
  local rank_of = {}
  for _, r in ipairs(ranks) do rank_of[r.path] = r.score end
  local list = {}
  for path, entry in pairs(found) do
    local weight = 0.5 * (rank_of[path] or 0) / top
    entry.score = math.floor((entry.score + weight) * 1000 + 0.5) / 1000
    entry.title = title_of[path] or entry.title
    list[#list + 1] = entry
  end
  table.sort(list, function(a, b)
    if a.score ~= b.score then return a.score > b.score end
    return a.path < b.path
  end)
  local out = {}
  for i = 1, math.min(params.limit or 8, #list) do out[i] = list[i] end
  return crucible.array(out)
end

return M
