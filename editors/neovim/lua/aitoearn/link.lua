---@mod aitoearn.link Where images go, and the link that points at them

local M = {}

M.ns = vim.api.nvim_create_namespace('aitoearn')

---@param path string
---@return string
local function real(path)
  local resolved = vim.uv.fs_realpath(path)
  return vim.fs.normalize(resolved or path)
end

--- `path` relative to the folder `base` (both absolute), with `/` separators.
---@param path string
---@param base string
---@return string
function M.relpath(path, base)
  path, base = real(path), real(base)
  if path == base then
    return '.'
  end
  local p = vim.split(path, '/', { plain = true, trimempty = true })
  local b = vim.split(base, '/', { plain = true, trimempty = true })
  local i = 1
  while i <= #p and i <= #b and p[i] == b[i] do
    i = i + 1
  end
  local parts = {}
  for _ = i, #b do
    parts[#parts + 1] = '..'
  end
  for j = i, #p do
    parts[#parts + 1] = p[j]
  end
  return table.concat(parts, '/')
end

--- The folder of the document in `buf` (its file's folder, or the working directory).
---@param buf integer
---@return string
function M.document_dir(buf)
  local name = vim.api.nvim_buf_get_name(buf)
  if name ~= '' and vim.bo[buf].buftype == '' then
    return vim.fs.normalize(vim.fn.fnamemodify(name, ':p:h'))
  end
  return vim.fs.normalize(vim.fn.getcwd())
end

--- The directory the adapter saves into (`saveTo`) for a document in `docdir`.
---@param docdir string
---@param image_dir string
---@return string
function M.save_dir(docdir, image_dir)
  image_dir = vim.fn.expand(image_dir)
  if image_dir:sub(1, 1) == '/' then
    return vim.fs.normalize(image_dir)
  end
  return vim.fs.normalize(docdir .. '/' .. image_dir)
end

--- One line of alt text from a prompt.
---@param prompt string
---@return string
local function alt_text(prompt)
  local text = prompt:gsub('%s+', ' '):gsub('^ ', ''):gsub(' $', '')
  return (text:gsub('([%[%]\\])', '\\%1'))
end

-- A link to `relpath` in filetype `ft`: Org's [[file:…]], else Markdown with `bang` ("!" for an image).
local function link_to(bang, relpath, prompt, ft)
  if ft == 'org' then
    return ('[[file:%s]]'):format(relpath)
  end
  local target = relpath
  if target:find('[%s()<>]') then
    target = '<' .. target .. '>'
  end
  return ('%s[%s](%s)'):format(bang, alt_text(prompt), target)
end

--- The link text for `relpath` in a buffer of filetype `ft`.
---@param relpath string
---@param prompt string
---@param ft string
---@return string
function M.format(relpath, prompt, ft)
  return link_to('!', relpath, prompt, ft)
end

--- A plain link to a saved video: `[prompt](videos/….mp4)`, or `[[file:videos/….mp4]]` in Org.
---@param relpath string
---@param prompt string
---@param ft string
---@return string
function M.format_video(relpath, prompt, ft)
  return link_to('', relpath, prompt, ft)
end

--- The spans of the image links on `line` (1-based, inclusive), each with its target as written:
--- Markdown `![alt](target)` (also `<target>` and a title), Org `[[file:target]]` or `[[file:target][desc]]`.
---@param line string
---@return { s: integer, e: integer, target: string }[]
function M.image_links(line)
  local found = {}
  local init = 1
  while true do
    local s, e = line:find('!%[.-%]%(', init)
    if not s then
      break
    end
    local target, close
    if line:sub(e + 1, e + 1) == '<' then
      local gt = line:find('>', e + 2, true)
      target = gt and line:sub(e + 2, gt - 1)
      close = gt and line:find(')', gt + 1, true)
    else
      local ts, te = line:find('^[^%s)]+', e + 1)
      target = ts and line:sub(ts, te)
      close = line:find(')', (te or e) + 1, true)
    end
    if target and target ~= '' and close then
      found[#found + 1] = { s = s, e = close, target = target }
      init = close + 1
    else
      init = e + 1
    end
  end
  init = 1
  while true do
    local s, e, target = line:find('%[%[file:([^%]]+)%]', init)
    if not s then
      break
    end
    local close = line:sub(e + 1, e + 1) == ']' and e + 1 or select(2, line:find(']]', e + 1, true))
    if close then
      found[#found + 1] = { s = s, e = close, target = (target:gsub('::.*$', '')) }
    end
    init = (close or e) + 1
  end
  return found
end

--- The image link under the cursor of the current window, or nil.
---@return { target: string, row: integer }|nil row is 0-based
function M.at_cursor()
  local cursor = vim.api.nvim_win_get_cursor(0)
  local line = vim.api.nvim_get_current_line()
  local col = cursor[2] + 1
  for _, l in ipairs(M.image_links(line)) do
    if col >= l.s and col <= l.e then
      return { target = l.target, row = cursor[1] - 1 }
    end
  end
  return nil
end

--- What the adapter gets for a link target: URLs as written, a path made absolute against the
--- document's folder (Markdown escapes undone, `~` expanded, %XX decoded when that names the file).
---@param target string
---@param docdir string
---@return string
function M.resolve(target, docdir)
  if target:match('^[Hh][Tt][Tt][Pp][Ss]?://') or target:match('^file://') then
    return target
  end
  target = target:gsub('\\(%p)', '%1')
  if target:sub(1, 1) == '~' then
    target = vim.fn.expand(target)
  end
  local path = vim.fs.normalize(target:sub(1, 1) == '/' and target or (docdir .. '/' .. target))
  if not vim.uv.fs_stat(path) and path:find('%%%x%x') then
    local decoded = path:gsub('%%(%x%x)', function(h)
      return string.char(tonumber(h, 16))
    end)
    if vim.uv.fs_stat(decoded) then
      path = decoded
    end
  end
  return path
end

--- Remember line `row` of `buf`, so that text can go below it however the buffer changes meanwhile.
---@param buf integer
---@param row integer 0-based
---@return { buf: integer, mark: integer }
function M.mark_line(buf, row)
  local mark = vim.api.nvim_buf_set_extmark(buf, M.ns, row, 0, { right_gravity = false })
  return { buf = buf, mark = mark }
end

--- Put `text` (may hold newlines) at `anchor` with `put(buf, pos, lines)` (pos: the anchor's
--- 0-based row and column), then forget the anchor; false when the buffer is gone.
---@param anchor { buf: integer, mark: integer }
---@param text string
---@param put fun(buf: integer, pos: integer[], lines: string[])
---@return boolean
local function put_at(anchor, text, put)
  local buf = anchor.buf
  if not vim.api.nvim_buf_is_valid(buf) or not vim.bo[buf].modifiable then
    return false
  end
  local pos = vim.api.nvim_buf_get_extmark_by_id(buf, M.ns, anchor.mark, {})
  if not pos or not pos[1] then
    return false
  end
  put(buf, pos, vim.split(text, '\n', { plain = true }))
  M.forget(anchor)
  return true
end

--- Insert `text` (may hold newlines) as new lines below the line of `anchor`; false when the buffer is gone.
---@param anchor { buf: integer, mark: integer }
---@param text string
---@return boolean
function M.insert_below(anchor, text)
  return put_at(anchor, text, function(buf, pos, lines)
    vim.api.nvim_buf_set_lines(buf, pos[1] + 1, pos[1] + 1, false, lines)
  end)
end

--- Remember the cursor of the current window, so the link lands there even if the
--- user goes on typing or moves away while the job runs.
---@return { buf: integer, mark: integer }
function M.mark_cursor()
  local buf = vim.api.nvim_get_current_buf()
  local cursor = vim.api.nvim_win_get_cursor(0)
  local row, col = cursor[1] - 1, cursor[2]
  local line = vim.api.nvim_buf_get_lines(buf, row, row + 1, false)[1] or ''
  -- In Normal mode the cursor is *on* a character: insert after it, like `a`.
  if vim.api.nvim_get_mode().mode == 'n' and #line > 0 then
    col = math.min(col + vim.str_utf_end(line, col + 1) + 1, #line)
  end
  local mark = vim.api.nvim_buf_set_extmark(buf, M.ns, row, col, { right_gravity = false })
  return { buf = buf, mark = mark }
end

---@param anchor { buf: integer, mark: integer }
function M.forget(anchor)
  if vim.api.nvim_buf_is_valid(anchor.buf) then
    pcall(vim.api.nvim_buf_del_extmark, anchor.buf, M.ns, anchor.mark)
  end
end

--- Insert `text` (may hold newlines) at `anchor`; returns false when the buffer is gone.
---@param anchor { buf: integer, mark: integer }
---@param text string
---@return boolean
function M.insert(anchor, text)
  return put_at(anchor, text, function(buf, pos, lines)
    vim.api.nvim_buf_set_text(buf, pos[1], pos[2], pos[1], pos[2], lines)
  end)
end

return M
