---@mod aitoearn.health :checkhealth aitoearn

local M = {}

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

  local ok, msg = client.check_cmd(cfg.cmd)
  if not ok then
    health.error(msg --[[@as string]], {
      'Install aitoearn-rpc and put it on $PATH',
      'or set `cmd` in require("aitoearn").setup() to its full path',
    })
  else
    local program = vim.fn.exepath(cfg.cmd[1])
    local run_ok, result = pcall(function()
      return vim.system({ cfg.cmd[1], '--version' }, { text = true }):wait(5000)
    end)
    local version = run_ok and result and result.code == 0 and vim.trim(result.stdout or '') or nil
    if version and version ~= '' then
      health.ok(('adapter: %s (%s)'):format(version, program))
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
