-- Table-heavy work: insert n pseudo-random integers into an array (table.insert) and a hash,
-- sort the array, then look every value up in the hash again.
function main(params)
  local n = params and params.n or 1000000
  local seed = 42
  local function rand()
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed
  end
  local list, index = {}, {}
  for i = 1, n do
    local v = rand()
    table.insert(list, v)
    index[v % (n * 4)] = i
  end
  table.sort(list)
  local hits = 0
  for i = 1, n do
    if index[list[i] % (n * 4)] then hits = hits + 1 end
  end
  return hits + list[1] % 1000 + list[n] % 1000
end
