-- What a user's config does: put the plugin on 'runtimepath' (as a plugin manager
-- would); the tests then call require('aitoearn').setup(...) in the child.
local root = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h:h')
vim.opt.runtimepath:prepend(root)
vim.opt.swapfile = false
vim.opt.shortmess:append('I')

-- Test harness: remember every message instead of drawing it.
_G.notes = {}
vim.notify = function(msg, level, _opts)
  table.insert(_G.notes, { msg = msg, level = level or vim.log.levels.INFO })
end
