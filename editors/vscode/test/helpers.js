'use strict';
// Shared by the tests: where the adapter is, temp folders, and small waits.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const bin = path.resolve(process.env.AITOEARN_RPC_BIN || path.join(repoRoot, '.build', 'debug', 'aitoearn-rpc'));

// --simulate needs no key, and the no-key tests need none: never inherit one.
delete process.env.AITOEARN_API_KEY;

const FAST = ['--simulate', '--simulate-delay-ms', '300'];
const SLOW = ['--simulate', '--simulate-delay-ms', '60000'];
// Real-service mode with no key: the adapter answers -32001 before any HTTP request;
// a closed loopback port as base URL keeps anything from leaving the machine.
const NO_KEY = ['--base-url', 'http://127.0.0.1:9', '--retry-base-delay-ms', '10'];

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aitoearn-vscode-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function isPng(file) {
  try {
    const head = Buffer.alloc(8);
    const fd = fs.openSync(file, 'r');
    fs.readSync(fd, head, 0, 8, 0);
    fs.closeSync(fd);
    return head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  } catch {
    return false;
  }
}

/** Poll `fn` until it returns a truthy value; reject after `timeoutMs`. */
async function waitFor(what, fn, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The events of a --trace-file (NDJSON). */
function readTrace(file) {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const events = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line));
    } catch {
      // a line being written
    }
  }
  return events;
}

function receivedCancel(traceFile, id) {
  return readTrace(traceFile).some(
    (ev) =>
      ev.dir === 'recv' &&
      ev.message &&
      ev.message.method === '$/cancelRequest' &&
      (id === undefined || (ev.message.params && ev.message.params.id === id)),
  );
}

module.exports = { bin, FAST, SLOW, NO_KEY, tempDir, isPng, waitFor, readTrace, receivedCancel };
