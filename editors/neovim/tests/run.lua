-- A small test runner: `nvim -l tests/run.lua [pattern]`.
-- Every test gets a fresh child `nvim --embed --headless` (loaded with minimal_init.lua,
-- the plugin on its runtimepath), driven over msgpack-RPC, with a watchdog that kills it.

local here = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h')
local root = vim.fn.fnamemodify(here, ':h')
local pattern = _G.arg and _G.arg[1] or nil
local TEST_TIMEOUT_MS = tonumber(vim.env.AITOEARN_TEST_TIMEOUT_MS) or 30000

local function now_ms()
  return vim.uv.hrtime() / 1e6
end

local function repo_root()
  return vim.fn.fnamemodify(root, ':h:h')
end

local function adapter_bin()
  local bin = vim.env.AITOEARN_RPC_BIN
  if not bin or bin == '' then
    bin = repo_root() .. '/.build/debug/aitoearn-rpc'
  end
  return vim.fn.fnamemodify(bin, ':p')
end

---@class Child
local Child = {}
Child.__index = Child

function Child.new(tmp)
  local env = vim.fn.environ()
  env.AITOEARN_API_KEY = nil -- tests choose: --simulate needs none, the no-key test wants none
  env.XDG_CONFIG_HOME = tmp .. '/config'
  env.XDG_DATA_HOME = tmp .. '/data'
  env.XDG_STATE_HOME = tmp .. '/state'
  env.XDG_CACHE_HOME = tmp .. '/cache'
  local cmd = { vim.v.progpath, '--embed', '--headless', '-n', '-i', 'NONE', '-u', here .. '/minimal_init.lua' }
  local chan = vim.fn.jobstart(cmd, { rpc = true, env = env, clear_env = true, cwd = tmp })
  assert(chan > 0, 'could not start a child nvim')
  local self = setmetatable({ chan = chan, pid = vim.fn.jobpid(chan), tmp = tmp }, Child)
  return self
end

function Child:lua(code, ...)
  return vim.rpcrequest(self.chan, 'nvim_exec_lua', code, { ... })
end

function Child:cmd(command)
  return vim.rpcrequest(self.chan, 'nvim_command', command)
end

--- Poll `code` (a Lua chunk run in the child) until it returns a truthy value.
function Child:wait(what, code, timeout_ms, ...)
  local deadline = now_ms() + (timeout_ms or 10000)
  while true do
    local value = self:lua(code, ...)
    if value and value ~= vim.NIL then
      return value
    end
    if now_ms() > deadline then
      error(('timed out after %d ms waiting for %s'):format(timeout_ms or 10000, what), 2)
    end
    vim.wait(50)
  end
end

function Child:stop()
  pcall(vim.rpcnotify, self.chan, 'nvim_command', 'qa!')
  if vim.fn.jobwait({ self.chan }, 3000)[1] == -1 then
    vim.fn.jobstop(self.chan)
    vim.fn.jobwait({ self.chan }, 1000)
  end
end

local function out(line)
  io.stdout:write(line, '\n')
  io.stdout:flush()
end

local t = {}

function t.eq(expected, actual, what)
  if not vim.deep_equal(expected, actual) then
    error(('%s: expected %s, got %s'):format(what or 'value', vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

function t.ok(cond, what)
  if not cond then
    error(what or 'assertion failed', 2)
  end
  return cond
end

function t.match(str, pat, what)
  if type(str) ~= 'string' or not str:match(pat) then
    error(('%s: %s does not match %q'):format(what or 'string', vim.inspect(str), pat), 2)
  end
  return str:match(pat)
end

function t.read(path)
  local f = io.open(path, 'rb')
  if not f then
    return nil
  end
  local data = f:read('*a')
  f:close()
  return data
end

--- Messages of the trace file (NDJSON) written by --trace-file.
function t.trace(path)
  local events = {}
  for line in ((t.read(path) or '') .. '\n'):gmatch('([^\n]*)\n') do
    if line ~= '' then
      local ok, ev = pcall(vim.json.decode, line)
      if ok and type(ev) == 'table' then
        events[#events + 1] = ev
      end
    end
  end
  return events
end

t.bin = adapter_bin()
t.root = root

local files = vim.fn.glob(here .. '/test_*.lua', false, true)
table.sort(files)
local passed, failed, results = 0, 0, {}
for _, file in ipairs(files) do
  local tests = dofile(file)
  for _, case in ipairs(tests) do
    local name = vim.fn.fnamemodify(file, ':t:r') .. ': ' .. case[1]
    if not pattern or name:find(pattern, 1, true) then
      local tmp = vim.fn.tempname()
      vim.fn.mkdir(tmp, 'p')
      local child = Child.new(tmp)
      local timer = vim.uv.new_timer()
      local timed_out = false
      timer:start(TEST_TIMEOUT_MS, 0, function()
        timed_out = true
        vim.uv.kill(child.pid, 'sigkill')
      end)
      local started = now_ms()
      local ok, err = xpcall(case[2], debug.traceback, child, t, tmp)
      timer:stop()
      timer:close()
      local ms = math.floor(now_ms() - started)
      if ok then
        passed = passed + 1
        out(('ok %d - %s (%d ms)'):format(passed + failed, name, ms))
      else
        failed = failed + 1
        out(('not ok %d - %s (%d ms)'):format(passed + failed, name, ms))
        if timed_out then
          out(('# the test took longer than %d ms: its nvim was killed'):format(TEST_TIMEOUT_MS))
        end
        for line in tostring(err):gmatch('[^\n]+') do
          out('#   ' .. line)
        end
        local dumped, dump = pcall(child.lua, child, [[
          return vim.inspect({ notes = _G.notes, buffer = vim.api.nvim_buf_get_lines(0, 0, -1, false) })
        ]])
        if dumped then
          for line in dump:gmatch('[^\n]+') do
            out('#   ' .. line)
          end
        end
      end
      child:stop()
      results[#results + 1] = { name = name, ok = ok }
      vim.fn.delete(tmp, 'rf')
    end
  end
end

out(('neovim: %d passed, %d failed'):format(passed, failed))
if passed + failed == 0 then
  out('no test matched')
  os.exit(1)
end
os.exit(failed == 0 and 0 or 1)
