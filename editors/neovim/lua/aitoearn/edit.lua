---@mod aitoearn.edit :AiToEarnEdit: edit the picture whose link is under the cursor

local config = require('aitoearn.config')
local generate = require('aitoearn.generate')
local link = require('aitoearn.link')

local M = {}

M.NO_LINK = 'AiToEarn: put the cursor on an image link, ![…](picture.png) or [[file:picture.png]], '
  .. 'then run :AiToEarnEdit again to edit that picture.'

--- :AiToEarnEdit [prompt]: edit the linked picture with `prompt` (asked when absent) and insert
--- the link to the new picture on the next line; the original link stays.
---@param prompt? string
function M.edit(prompt)
  local found = link.at_cursor()
  if not found then
    return generate.notify(M.NO_LINK, vim.log.levels.ERROR)
  end
  if not generate.cmd_ok() then
    return
  end
  local buf = vim.api.nvim_get_current_buf()
  local image = link.resolve(found.target, link.document_dir(buf))
  local anchor = link.mark_line(buf, found.row)
  generate.prompt_and_model(prompt, 'Change the picture how? ', 'edit', anchor, function(text, model)
    local params = { prompt = text, model = model, image = image }
    params.response_format = config.get().response_format
    generate.run_job('image.edit', params, text, anchor, true)
  end)
end

return M
