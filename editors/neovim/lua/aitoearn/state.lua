---@mod aitoearn.state The adapter's status and the jobs in flight, for the statusline

local M = {}

---@class aitoearn.Status
---@field kind "ok"|"warning"|"error"
---@field message string
---@field action? "set-api-key"|"top-up-credits"|"check-network"

---@type aitoearn.Status|nil
M.status = nil

---@class aitoearn.Job
---@field id integer JSON-RPC id of the request
---@field token string workDoneToken
---@field prompt string
---@field anchor { buf: integer, mark: integer }
---@field logId? string
---@field status? string upstream status (generating, success, failed)
---@field poll? integer
---@field elapsed_ms? integer
---@field message? string last $/progress message
---@field started integer vim.uv.now() when sent
---@field text? string last progress line shown
---@field cancelled? boolean set by :AiToEarnCancel (a late answer is then ignored)

---@type table<integer, aitoearn.Job>
M.jobs = {}

local ACTION_TEXT = {
  ['set-api-key'] = 'set API key',
  ['top-up-credits'] = 'top up credits',
  ['check-network'] = 'check network',
}

---@param pattern string
---@param data table
function M.fire(pattern, data)
  pcall(vim.api.nvim_exec_autocmds, 'User', { pattern = pattern, modeline = false, data = data })
  pcall(vim.cmd.redrawstatus)
end

---@return integer
function M.count()
  local n = 0
  for _ in pairs(M.jobs) do
    n = n + 1
  end
  return n
end

--- A short text for the statusline, e.g. `AiToEarn: generating 4s` or
--- `AiToEarn: set API key`; empty until the adapter has said something.
---@return string
function M.statusline()
  local n = M.count()
  if n > 0 then
    local newest ---@type aitoearn.Job|nil
    for _, job in pairs(M.jobs) do
      if not newest or job.id > newest.id then
        newest = job
      end
    end
    local elapsed = math.floor(((newest and newest.elapsed_ms) or (vim.uv.now() - newest.started)) / 1000)
    local text = ('AiToEarn: %s %ds'):format(newest.status or 'submitting', elapsed)
    if n > 1 then
      text = text .. (' (+%d)'):format(n - 1)
    end
    return text
  end
  local status = M.status
  if not status then
    return ''
  end
  if status.kind == 'ok' then
    return 'AiToEarn: ok'
  end
  return 'AiToEarn: ' .. (ACTION_TEXT[status.action or ''] or status.kind)
end

return M
