-- Enum dispatch: a program of n instructions (tagged records standing in for enum variants)
-- interpreted `rounds` times by a dispatch on the tag. Returns the accumulator.
local ADD, MUL, SUB, NEG, SWAP, NOP = 1, 2, 3, 4, 5, 6

function main(params)
  local n, rounds = params.n, params.rounds
  local ops = {}
  local seed = 3
  for i = 1, n do
    seed = (seed * 1103515245 + 12345) % 2147483648
    local k = seed % 6
    if k == 0 then ops[i] = { tag = ADD, v = seed % 100 }
    elseif k == 1 then ops[i] = { tag = MUL, v = seed % 7 + 1 }
    elseif k == 2 then ops[i] = { tag = SUB, v = seed % 50 }
    elseif k == 3 then ops[i] = { tag = NEG }
    elseif k == 4 then ops[i] = { tag = SWAP, a = seed % 3, b = seed % 5 }
    else ops[i] = { tag = NOP } end
  end
  local acc, other = 1, 2
  for _ = 1, rounds do
    for i = 1, n do
      local op = ops[i]
      local tag = op.tag
      if tag == ADD then acc = (acc + op.v) % 1000003
      elseif tag == MUL then acc = (acc * op.v) % 1000003
      elseif tag == SUB then acc = (acc - op.v) % 1000003
      elseif tag == NEG then acc = (1000003 - acc) % 1000003
      elseif tag == SWAP then acc, other = other + op.a, acc + op.b
      end
    end
  end
  return acc * 7 + other
end
