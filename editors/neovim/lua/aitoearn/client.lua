---@mod aitoearn.client One adapter process per Neovim, spoken to with vim.lsp.rpc

local config = require('aitoearn.config')

local M = {}

---@class aitoearn.RpcError
---@field code integer|string
---@field message string
---@field data? table

---@type vim.lsp.rpc.PublicClient|nil
local rpc = nil
local ready = false
---@type fun(err: aitoearn.RpcError|nil)[]
local waiting = {}
---@type table<string, fun(params: table)[]>
local listeners = {}
local generation = 0
---@type table|nil
M.server_info = nil

--- Subscribe to a notification from the adapter (`task.progress`, `$/progress`,
--- `status.changed`) or to `aitoearn/exit` (the adapter stopped).
---@param method string
---@param fn fun(params: table)
function M.on(method, fn)
  listeners[method] = listeners[method] or {}
  table.insert(listeners[method], fn)
end

---@param method string
---@param params any
local function emit(method, params)
  for _, fn in ipairs(listeners[method] or {}) do
    local ok, err = pcall(fn, params)
    if not ok then
      vim.notify(('AiToEarn: error while handling %s: %s'):format(method, err), vim.log.levels.DEBUG)
    end
  end
end

--- Whether the first word of `cmd` can be run; otherwise a message that says what to do.
---@param cmd string[]
---@return boolean ok, string|nil message
function M.check_cmd(cmd)
  local program = cmd and cmd[1]
  if type(program) ~= 'string' or program == '' then
    return false, 'AiToEarn: no adapter command is configured. Set `cmd` in require("aitoearn").setup({ cmd = { "aitoearn-rpc" } }).'
  end
  if vim.fn.executable(program) == 1 then
    return true, nil
  end
  return false,
    ('AiToEarn: cannot start the adapter: `%s` was not found or is not executable. '
      .. 'Install it with `uv tool install aitoearn-rpc` or `pipx install aitoearn-rpc` (or unpack a release archive), '
      .. 'then put it on $PATH or set `cmd` in require("aitoearn").setup() to its full path.'):format(program)
end

---@param err aitoearn.RpcError|nil
local function flush(err)
  local queue = waiting
  waiting = {}
  for _, cb in ipairs(queue) do
    cb(err)
  end
end

local function start()
  local cfg = config.get()
  local ok, msg = M.check_cmd(cfg.cmd)
  if not ok then
    return flush({ code = 'ENOENT', message = msg --[[@as string]] })
  end
  generation = generation + 1
  local gen = generation
  local dispatchers = {
    notification = function(method, params)
      vim.schedule(function()
        if gen == generation then
          emit(method, params)
        end
      end)
    end,
    server_request = function(_method, _params)
      return nil, vim.lsp.rpc.rpc_response_error(vim.lsp.protocol.ErrorCodes.MethodNotFound)
    end,
    on_exit = function(code, signal)
      vim.schedule(function()
        if gen ~= generation then
          return
        end
        rpc, ready, M.server_info = nil, false, nil
        flush({ code = 'EXIT', message = ('AiToEarn: the adapter exited (status %s) before it was ready; see :checkhealth aitoearn and :LspLog.'):format(code) })
        emit('aitoearn/exit', { code = code, signal = signal })
      end)
    end,
  }
  local started, client = pcall(vim.lsp.rpc.start, cfg.cmd, dispatchers)
  if not started then
    return flush({ code = 'ENOENT', message = 'AiToEarn: cannot start the adapter: ' .. tostring(client) })
  end
  rpc = client
  local init = { processId = vim.fn.getpid() }
  local options = {}
  options.apiKey = config.api_key()
  options.region = cfg.region
  if next(options) then
    init.initializationOptions = options
  end
  client.request('initialize', init, function(err, result)
    vim.schedule(function()
      if gen ~= generation then
        return
      end
      if err then
        flush({ code = err.code, message = 'AiToEarn: the adapter refused to start: ' .. tostring(err.message), data = err.data })
        M.stop()
        return
      end
      ready = true
      M.server_info = result and result.serverInfo or nil
      client.notify('initialized', vim.empty_dict())
      flush(nil)
    end)
  end)
end

--- Run `cb` once the adapter is up and initialized (starting it if needed).
---@param cb fun(err: aitoearn.RpcError|nil)
function M.ensure(cb)
  if rpc and not rpc.is_closing() and ready then
    return cb(nil)
  end
  table.insert(waiting, cb)
  if rpc and not rpc.is_closing() then
    return -- initialize is on its way
  end
  rpc, ready = nil, false
  start()
end

---@return boolean
function M.is_running()
  return rpc ~= nil and not rpc.is_closing()
end

--- Send a request; `cb(err, result)` runs on the main loop. `on_sent(id)` gets the
--- JSON-RPC id as soon as the request is written (needed for $/cancelRequest).
---@param method string
---@param params table
---@param cb fun(err: aitoearn.RpcError|nil, result: any)
---@param on_sent? fun(id: integer)
function M.request(method, params, cb, on_sent)
  M.ensure(function(err)
    if err then
      return cb(err, nil)
    end
    local client = assert(rpc)
    local sent, id = client.request(method, params, function(e, r)
      vim.schedule(function()
        cb(e, r)
      end)
    end)
    if not sent or not id then
      return cb({ code = 'EXIT', message = 'AiToEarn: the adapter is not running.' }, nil)
    end
    if on_sent then
      on_sent(id)
    end
  end)
end

--- Ask the adapter to stop request `id` (it answers -32800, which vim.lsp.rpc swallows).
---@param id integer
---@return boolean sent
function M.cancel(id)
  if not M.is_running() then
    return false
  end
  return assert(rpc).notify('$/cancelRequest', { id = id })
end

--- Shut the adapter down (shutdown, then exit); waits at most `timeout_ms`.
---@param timeout_ms? integer
function M.stop(timeout_ms)
  local client = rpc
  generation = generation + 1
  rpc, ready, M.server_info = nil, false, nil
  flush({ code = 'EXIT', message = 'AiToEarn: the adapter was stopped.' })
  emit('aitoearn/exit', { stopped = true })
  if not client or client.is_closing() then
    return
  end
  local done = false
  pcall(client.request, 'shutdown', nil, function()
    done = true
  end)
  vim.wait(timeout_ms or 500, function()
    return done
  end, 10)
  pcall(client.notify, 'exit', nil)
  vim.defer_fn(function()
    if not client.is_closing() then
      pcall(client.terminate)
    end
  end, 500)
end

return M
