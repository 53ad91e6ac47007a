---@mod aitoearn.health :checkhealth aitoearn

local M = {}

--- "aitoearn-rpc 1.2.3" -> "1.2.3" (nil for anything else).
---@param said string
---@return string|nil
function M.parse_version(said)
  return said:match('^aitoearn%-rpc (%d+%.%d+%.%d+)$')
end

--- Whether version `a` (X.Y.Z) is older than `b`.
---@param a string
---@param b string
---@return boolean
function M.older(a, b)
  local x = vim.split(a, '.', { plain = true })
  local y = vim.split(vim.trim(b), '.', { plain = true })
  for i = 1, 3 do
    local p, q = tonumber(x[i]) or 0, tonumber(y[i]) or 0
    if p ~= q then
      return p < q
    end
  end
  return false
end

function M.check()
  local health = vim.health
  local config = require('aitoearn.config')
  local client = require('aitoearn.client')
  local cfg = config.get()

  health.start('aitoearn')
  if vim.fn.has('nvim-0.10') == 1 then
    health.ok('Neovim ' .. tostring(vim.version()))
  else
    health.error('Neovim 0.10 or later is needed', { 'Upgrade Neovim' })
  end

  local expected = require('aitoearn.version')
  local ok, msg = client.check_cmd(cfg.cmd)
  if not ok then
    health.error(msg --[[@as string]], {
      'uv tool install aitoearn-rpc   (or: pipx install aitoearn-rpc, or a release archive)',
      'then put it on $PATH, or set `cmd` in require("aitoearn").setup() to its full path',
    })
  else
    local program = vim.fn.exepath(cfg.cmd[1])
    local run_ok, result = pcall(function()
      return vim.system({ program, '--version' }, { text = true }):wait(5000)
    end)
    local said = run_ok and result and result.code == 0 and vim.trim(result.stdout or '') or nil
    if said and said ~= '' then
      local version = M.parse_version(said)
      if not version then
        health.warn(('adapter: %s answers `--version` with "%s", not "aitoearn-rpc X.Y.Z"'):format(program, said), {
          'Is `cmd` the aitoearn-rpc adapter?',
        })
      elseif M.older(version, expected) then
        health.warn(('adapter: %s is version %s, older than %s, which this plugin expects'):format(program, version, expected), {
          'uv tool upgrade aitoearn-rpc   (or: pipx upgrade aitoearn-rpc, or a newer release archive)',
        })
      else
        health.ok(('adapter: aitoearn-rpc %s at %s (this plugin expects %s or later)'):format(version, program, expected))
      end
    else
      health.error(('`%s --version` failed'):format(program), {
        'Run it in a terminal to see why',
        run_ok and result and vim.trim(result.stderr or '') or tostring(result),
      })
    end
  end

  local simulate = vim.tbl_contains(cfg.cmd, '--simulate')
  if config.api_key() then
    health.ok('API key: given to setup() (sent as initializationOptions.apiKey)')
  elseif (vim.env.AITOEARN_API_KEY or '') ~= '' then
    health.ok('API key: from $AITOEARN_API_KEY')
  elseif vim.tbl_contains(cfg.cmd, '--api-key-file') then
    health.ok('API key: from the --api-key-file in `cmd`')
  elseif simulate then
    health.ok('API key: none needed (`cmd` runs the offline simulator, --simulate)')
  else
    health.warn('No API key is set', {
      'Set the AITOEARN_API_KEY environment variable',
      'or `api_key` in require("aitoearn").setup() (a string or a function returning one)',
    })
  end

  if cfg.model then
    health.ok('model: ' .. cfg.model)
  else
    health.info('model: not set; :AiToEarnGenerate asks with vim.ui.select over image.models')
  end
  if cfg.edit_model then
    health.ok('edit_model: ' .. cfg.edit_model)
  else
    health.info('edit_model: not set; :AiToEarnEdit asks with vim.ui.select over the edit models')
  end
  health.info(('images are saved under `%s` (relative to the document)'):format(cfg.image_dir))

  local status = require('aitoearn.state').status
  if client.is_running() and status then
    local text = ('adapter status: %s: %s'):format(status.kind, tostring(status.message))
    if status.kind == 'ok' then
      health.ok(text)
    elseif status.kind == 'warning' then
      health.warn(text)
    else
      health.error(text)
    end
  end
end

return M
