'use strict';
// Pure helpers of the extension (no `vscode` import): where images go, the link text, the image
// link under the cursor, the message for each error, and keeping an insertion offset right while
// the user types.

const fs = require('node:fs');
const path = require('node:path');

function real(p) {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** The directory the adapter saves into (`saveTo`) for a document in `docDir`. */
function saveDirFor(docDir, imageFolder) {
  return path.resolve(docDir, imageFolder || 'images');
}

/** `file` relative to the folder `docDir`, with `/` separators. */
function relativePath(file, docDir) {
  return path.relative(real(docDir), real(file)).split(path.sep).join('/');
}

/** One line of alt text from a prompt. */
function altText(prompt) {
  return String(prompt).replace(/\s+/g, ' ').trim().replace(/([[\]\\])/g, '\\$1');
}

/**
 * The link for an image at `rel` (relative path) in a document of `languageId`.
 * Org documents get an Org link, every other one a Markdown image.
 */
function formatLink(rel, prompt, languageId) {
  if (languageId === 'org') return `[[file:${rel}]]`;
  const target = /[\s()<>]/.test(rel) ? `<${rel}>` : rel;
  return `![${altText(prompt)}](${target})`;
}

/** A plain link to a video at `rel`: `[prompt](videos/….mp4)`, or `[[file:…]]` in Org. */
function formatVideoLink(rel, prompt, languageId) {
  if (languageId === 'org') return `[[file:${rel}]]`;
  const target = /[\s()<>]/.test(rel) ? `<${rel}>` : rel;
  return `[${altText(prompt)}](${target})`;
}

/** The links to every saved image (absolute paths), one per line. */
function linksFor(saved, prompt, docDir, languageId) {
  return saved.map((file) => formatLink(relativePath(file, docDir), prompt, languageId)).join('\n');
}

/**
 * Where `offset` is after the edits `changes` ({ rangeOffset, rangeLength, text }, as in a
 * TextDocumentChangeEvent). Text typed exactly at the offset goes after the link.
 */
function shiftOffset(offset, changes) {
  // All the changes of one event are against the document as it was before the event,
  // and they never overlap.
  let base = offset;
  let delta = 0;
  for (const change of changes) {
    const start = change.rangeOffset;
    const end = start + change.rangeLength;
    const growth = change.text.length - change.rangeLength;
    if (start < offset && end > offset) {
      base = start + change.text.length; // the offset was inside a replaced range
    } else if (end < offset || (end === offset && start < offset)) {
      delta += growth;
    }
  }
  return base + delta;
}

/**
 * The image links on a line of text, each with its span [start, end) and its target as written:
 * Markdown `![alt](target)` (also `<target>` and a title), Org `[[file:target]]` or `[[file:target][desc]]`.
 */
function imageLinks(line) {
  const found = [];
  const markdown = /!\[(?:[^\]\\\n]|\\.)*\]\((?:<([^>\n]*)>|([^\s)]+))(?:\s+"[^"\n]*")?\s*\)/g;
  for (let m; (m = markdown.exec(line)); ) {
    found.push({ start: m.index, end: m.index + m[0].length, target: m[1] !== undefined ? m[1] : m[2] });
  }
  const org = /\[\[file:([^\]\n]+)\](?:\[[^\]\n]*\])?\]/g;
  for (let m; (m = org.exec(line)); ) {
    found.push({ start: m.index, end: m.index + m[0].length, target: m[1].replace(/::.*$/, '') });
  }
  return found;
}

/** The target of the image link under `character` (0-based) of `line`, or null. */
function imageLinkAt(line, character) {
  const hit = imageLinks(line).find((l) => character >= l.start && character < l.end);
  return hit ? hit.target : null;
}

/**
 * What the adapter gets for a link target of a document in `docDir`: URLs as written; a path made
 * absolute (Markdown escapes undone, `~` expanded, %XX decoded when that names the file).
 */
function resolveLinkTarget(target, docDir, home = require('node:os').homedir()) {
  if (/^(https?|file):\/\//i.test(target)) return target;
  let p = target.replace(/\\([!-/:-@[-`{-~])/g, '$1');
  if (p === '~' || p.startsWith('~/')) p = path.join(home, p.slice(1));
  const resolved = path.resolve(docDir, p);
  if (!fs.existsSync(resolved) && /%[0-9A-Fa-f]{2}/.test(resolved)) {
    try {
      const decoded = decodeURIComponent(resolved);
      if (fs.existsSync(decoded)) return decoded;
    } catch {
      // not valid percent-encoding: keep it as written
    }
  }
  return resolved;
}

/** The offset of the end of the line that holds `offset` in `text`. */
function lineEnd(text, offset) {
  const end = text.indexOf('\n', offset);
  return end < 0 ? text.length : end;
}

/** The model entries of an image.models result (an array of { name, description, ... }). */
function modelItems(result) {
  let list = result;
  if (result && !Array.isArray(result) && typeof result === 'object') {
    list = result.models || result.list || result.data || [];
  }
  if (!Array.isArray(list)) return [];
  const items = [];
  for (const entry of list) {
    if (typeof entry === 'string') items.push({ name: entry });
    else if (entry && typeof entry.name === 'string') {
      items.push({ name: entry.name, description: typeof entry.description === 'string' ? entry.description : undefined });
    }
  }
  return items;
}

/** The kinds of job task.list knows, in the order they are listed. */
const JOB_KINDS = ['image', 'video'];

/** "2026-01-02T03:04:05.678Z" -> "2026-01-02 03:04:05 UTC"; anything else as it is. */
function jobTime(stamp) {
  if (typeof stamp !== 'string') return '?';
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)/.exec(stamp);
  return m ? `${m[1]} ${m[2]}${stamp.endsWith('Z') ? ' UTC' : ''}` : stamp;
}

/** One line for a job of `kind` as task.list lists it: kind · status · model · action · created · id. */
function describeJob(kind, id, entry) {
  const type = typeof entry.type === 'string' && entry.type ? entry.type : kind;
  const parts = [type, String(entry.status ?? '?')];
  if (typeof entry.model === 'string' && entry.model) parts.push(entry.model);
  if (typeof entry.action === 'string' && entry.action && entry.action !== type) parts.push(entry.action);
  parts.push(jobTime(entry.createdAt || entry.startedAt), id);
  return parts.join(' · ');
}

/**
 * The jobs of task.list pages (`[{ kind, page }]`, one per kind), newest first across the
 * kinds (equal times keep the service's order), as `{ kind, id, entry, label }`.
 */
function listedJobs(pages) {
  const jobs = [];
  for (const { kind, page } of pages) {
    const list = page && Array.isArray(page.list) ? page.list : [];
    for (const entry of list) {
      const id = entry && typeof entry === 'object' ? (kind === 'video' ? entry.taskId || entry.id : entry.id) : undefined;
      if (typeof id === 'string' && id) jobs.push({ kind, id, entry, label: describeJob(kind, id, entry) });
    }
  }
  const created = (job) => String(job.entry.createdAt || '');
  return jobs.sort((a, b) => (created(a) === created(b) ? 0 : created(a) > created(b) ? -1 : 1));
}

const KEY_HELP =
  'Run "AiToEarn: Set API Key" (kept in VS Code\'s secret storage) or set the AITOEARN_API_KEY environment variable, then try again.';

/**
 * One sentence for an error: what happened and what to do. `action` names a follow-up
 * the UI can offer ('set-api-key' or undefined).
 * @param {{ code?: any, message?: string, data?: any }} err
 * @returns {{ text: string, action?: 'set-api-key' }}
 */
function explain(err) {
  const code = err && err.code;
  const data = (err && err.data && typeof err.data === 'object' && err.data) || {};
  if (code === 'ENOENT' || code === 'EXIT' || code === 'TIMEOUT' || code === 'STOPPED') {
    return { text: err.message };
  }
  if (code === -32001) {
    const what = data.upstreamCode ? 'the API key was rejected.' : 'no API key is set.';
    return { text: `AiToEarn: ${what} ${KEY_HELP}`, action: 'set-api-key' };
  }
  let text = `AiToEarn: ${err && err.message ? err.message : 'the request failed'}`;
  const task = (data.task && typeof data.task === 'object' && data.task) || {};
  if (code === -32011 && typeof task.errorMessage === 'string') text += ` (${task.errorMessage})`;
  if (code === -32011 && task.error && typeof task.error.message === 'string') text += ` (${task.error.message})`;
  const id = data.logId || data.taskId;
  if ((code === -32012 || code === -32015) && typeof id === 'string') {
    text += ` The job goes on: "AiToEarn: Task Status" with ${id} fetches it later.`;
  }
  return { text };
}

module.exports = {
  saveDirFor,
  relativePath,
  formatLink,
  formatVideoLink,
  linksFor,
  shiftOffset,
  modelItems,
  explain,
  altText,
  imageLinks,
  imageLinkAt,
  resolveLinkTarget,
  lineEnd,
  JOB_KINDS,
  jobTime,
  describeJob,
  listedJobs,
};
