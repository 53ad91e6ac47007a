---@mod aitoearn.config Options of require('aitoearn').setup()

---@class aitoearn.Config
---@field cmd string[] Command line that starts the adapter (default { "aitoearn-rpc" })
---@field region? "global"|"cn" Which AiToEarn site to use (sent as initializationOptions.region)
---@field model? string Image model; when nil, :AiToEarnGenerate asks with vim.ui.select over image.models
---@field edit_model? string Edit model; when nil, :AiToEarnEdit asks over image.models with kind "edit"
---@field video_model? string Video model; when nil, :AiToEarnVideo asks over video.models
---@field video_dir string Folder for saved videos (and their covers), relative to the document's folder (or absolute)
---@field response_format? "url"|"b64_json" How the service returns images (the adapter saves either)
---@field image_dir string Folder for saved images, relative to the document's folder (or absolute)
---@field api_key? string|fun():string|nil API key; by default the adapter reads AITOEARN_API_KEY
---@field params? table Extra upstream fields for image.generate (n, size, quality, style, ...)
---@field timeout_ms? integer Give up polling after this long (the adapter's default is 10 minutes)
---@field progress boolean Echo progress in the command line while a job runs (default true)

local M = {}

---@type aitoearn.Config
M.defaults = {
  cmd = { 'aitoearn-rpc' },
  region = nil,
  model = nil,
  edit_model = nil,
  video_model = nil,
  response_format = nil,
  image_dir = 'images',
  video_dir = 'videos',
  api_key = nil,
  params = {},
  timeout_ms = nil,
  progress = true,
}

---@type aitoearn.Config
local current = vim.deepcopy(M.defaults)

--- Works on Neovim 0.10 and later (vim.validate changed its signature in 0.11).
---@param name string
---@param value any
---@param types string|string[]
---@param optional? boolean
local function check(name, value, types, optional)
  if value == nil and optional then
    return
  end
  types = type(types) == 'table' and types or { types }
  for _, t in ipairs(types) do
    if type(value) == t then
      return
    end
  end
  error(('aitoearn: option `%s` must be %s, got %s'):format(name, table.concat(types, ' or '), type(value)), 3)
end

---@param opts? table
---@return aitoearn.Config
function M.set(opts)
  opts = opts or {}
  check('opts', opts, 'table')
  local merged = vim.tbl_extend('force', vim.deepcopy(M.defaults), opts)
  if type(merged.cmd) == 'string' then
    merged.cmd = { merged.cmd }
  end
  check('cmd', merged.cmd, 'table')
  check('region', merged.region, 'string', true)
  check('model', merged.model, 'string', true)
  check('edit_model', merged.edit_model, 'string', true)
  check('video_model', merged.video_model, 'string', true)
  check('video_dir', merged.video_dir, 'string')
  check('response_format', merged.response_format, 'string', true)
  check('image_dir', merged.image_dir, 'string')
  check('api_key', merged.api_key, { 'string', 'function' }, true)
  check('params', merged.params, 'table')
  check('timeout_ms', merged.timeout_ms, 'number', true)
  if #merged.cmd == 0 then
    error('aitoearn: `cmd` must name the adapter program, e.g. { "aitoearn-rpc" }')
  end
  current = merged
  return current
end

---@return aitoearn.Config
function M.get()
  return current
end

--- The API key given to setup(), if any (the environment is the adapter's business).
---@return string|nil
function M.api_key()
  local key = current.api_key
  if type(key) == 'function' then
    local ok, value = pcall(key)
    key = ok and value or nil
  end
  if type(key) == 'string' and key ~= '' then
    return key
  end
  return nil
end

return M
