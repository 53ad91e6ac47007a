'use strict';
// JSON-RPC 2.0 client for the aitoearn-rpc adapter over stdio (LSP Content-Length framing).
// Plain Node: it must not import `vscode`, so that `node --test` can drive it.

const { spawn } = require('node:child_process');
const { EventEmitter } = require('node:events');
const fs = require('node:fs');
const path = require('node:path');

/** An error answered by the adapter ({ code, message, data }) or met on the way. */
class RpcError extends Error {
  /**
   * @param {number|string} code JSON-RPC code, or 'ENOENT' / 'EXIT' / 'TIMEOUT' / 'STOPPED'
   * @param {string} message
   * @param {any} [data]
   */
  constructor(code, message, data) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }
}

/**
 * Pure byte state machine for the LSP base protocol: bytes in, message bodies out.
 */
class ContentLengthDecoder {
  constructor() {
    this.buffer = Buffer.alloc(0);
    this.expected = -1;
  }

  /**
   * @param {Buffer} chunk
   * @returns {{ body?: string, error?: string }[]} complete bodies (or header errors), in order
   */
  push(chunk) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const out = [];
    for (;;) {
      if (this.expected < 0) {
        const end = this.buffer.indexOf('\r\n\r\n');
        if (end < 0) break;
        const header = this.buffer.subarray(0, end).toString('ascii');
        this.buffer = this.buffer.subarray(end + 4);
        const match = /^content-length:[ \t]*(\d+)[ \t]*$/im.exec(header);
        if (!match) {
          out.push({ error: `header without Content-Length: ${JSON.stringify(header)}` });
          continue;
        }
        this.expected = Number(match[1]);
      }
      if (this.buffer.length < this.expected) break;
      out.push({ body: this.buffer.subarray(0, this.expected).toString('utf8') });
      this.buffer = this.buffer.subarray(this.expected);
      this.expected = -1;
    }
    return out;
  }
}

/** @param {object} message */
function encode(message) {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

/**
 * What to say when the adapter `program` cannot be found: how to install it, where to point the setting.
 * @param {string} program
 */
function notFoundMessage(program) {
  return (
    `AiToEarn: cannot start the adapter: "${program}" was not found or is not executable. ` +
    'Install it with `uv tool install aitoearn-rpc` or `pipx install aitoearn-rpc` (or unpack a release archive), ' +
    'then put it on PATH or set "aitoearn.command" to its full path.'
  );
}

/** "aitoearn-rpc 1.2.3" -> "1.2.3"; null for anything else. @param {string} said */
function parseVersion(said) {
  const m = /^aitoearn-rpc (\d+\.\d+\.\d+)$/.exec(String(said).trim());
  return m ? m[1] : null;
}

/** Whether version `a` (X.Y.Z) is older than `b`. */
function olderThan(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) < (y[i] || 0);
  }
  return false;
}

/**
 * The full path of `program` if it can be run (a path, or a name found on PATH), else null.
 * @param {string} program
 * @param {NodeJS.ProcessEnv} [env]
 */
function findExecutable(program, env = process.env) {
  if (typeof program !== 'string' || program === '') return null;
  const isExecutable = (file) => {
    try {
      const stat = fs.statSync(file);
      if (!stat.isFile()) return false;
      fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (program.includes('/') || program.includes(path.sep)) {
    const file = path.resolve(program);
    return isExecutable(file) ? file : null;
  }
  const exts = process.platform === 'win32' ? (env.PATHEXT || '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const file = path.join(dir, program + ext);
      if (isExecutable(file)) return file;
    }
  }
  return null;
}

/**
 * One adapter process. Events: 'notification' (method, params), and one per method name
 * ('task.progress', '$/progress', 'status.changed'), 'stderr' (text), 'exit' (code, signal).
 */
class AiToEarnClient extends EventEmitter {
  /**
   * @param {object} options
   * @param {string[]} options.command adapter command line, e.g. ['aitoearn-rpc', '--simulate']
   * @param {string} [options.cwd]
   * @param {NodeJS.ProcessEnv} [options.env]
   * @param {object} [options.initializationOptions] apiKey, region, baseUrl, ...
   * @param {number} [options.startTimeoutMs] how long initialize may take (default 15000)
   */
  constructor(options) {
    super();
    this.options = options;
    this.nextId = 1;
    /** @type {Map<number, { resolve: Function, reject: Function, timer?: NodeJS.Timeout }>} */
    this.pending = new Map();
    this.child = null;
    this.exited = false;
    this.exitCode = null;
    this.serverInfo = null;
    this.lastStatus = null;
    this.stderrTail = '';
  }

  /** Spawn the adapter and initialize it. Resolves with the initialize result. */
  async start() {
    const command = this.options.command;
    if (!Array.isArray(command) || command.length === 0 || typeof command[0] !== 'string') {
      throw new RpcError('ENOENT', 'AiToEarn: no adapter command is configured: set "aitoearn.command", e.g. ["aitoearn-rpc"].');
    }
    const env = this.options.env || process.env;
    const program = findExecutable(command[0], env);
    if (!program) {
      throw new RpcError('ENOENT', notFoundMessage(command[0]));
    }
    const child = spawn(program, command.slice(1), {
      cwd: this.options.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    this.child = child;
    const decoder = new ContentLengthDecoder();
    child.stdout.on('data', (chunk) => {
      for (const item of decoder.push(chunk)) {
        if (item.error) {
          this.emit('protocolError', item.error);
          continue;
        }
        let message;
        try {
          message = JSON.parse(item.body);
        } catch (err) {
          this.emit('protocolError', `invalid JSON from the adapter: ${err.message}`);
          continue;
        }
        this._dispatch(message);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => {
      this.stderrTail = (this.stderrTail + text).slice(-4000);
      this.emit('stderr', text);
    });
    child.stdin.on('error', () => {}); // EPIPE after the adapter died: reported by 'exit'
    const spawned = new Promise((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => {
        reject(new RpcError('ENOENT', `AiToEarn: cannot start the adapter "${command[0]}": ${err.message}`));
      });
    });
    child.on('close', (code, signal) => this._onExit(code, signal));
    await spawned;
    const params = { processId: process.pid };
    const init = this.options.initializationOptions;
    if (init && Object.keys(init).length > 0) params.initializationOptions = init;
    const result = await this.request('initialize', params, { timeoutMs: this.options.startTimeoutMs || 15000 });
    this.serverInfo = result && result.serverInfo;
    this.notify('initialized', {});
    return result;
  }

  get running() {
    return this.child !== null && !this.exited;
  }

  _onExit(code, signal) {
    if (this.exited) return;
    this.exited = true;
    this.exitCode = code;
    const tail = this.stderrTail.trim().split('\n').slice(-1)[0];
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      this.pending.delete(id);
      entry.reject(
        new RpcError('EXIT', `AiToEarn: the adapter exited (status ${code ?? signal})${tail ? `: ${tail}` : ''}.`),
      );
    }
    this.emit('exit', code, signal);
  }

  _dispatch(message) {
    if (message === null || typeof message !== 'object' || Array.isArray(message)) return;
    if (typeof message.method === 'string') {
      if (message.id !== undefined) {
        // The adapter sends no request; answer as JSON-RPC requires.
        this._write({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'Method not found' } });
        return;
      }
      if (message.method === 'status.changed') this.lastStatus = message.params;
      this.emit('notification', message.method, message.params);
      this.emit(message.method, message.params);
      return;
    }
    const entry = this.pending.get(message.id);
    if (!entry) return;
    this.pending.delete(message.id);
    clearTimeout(entry.timer);
    if (message.error) {
      const { code, message: text, data } = message.error;
      entry.reject(new RpcError(code, String(text), data));
    } else {
      entry.resolve(message.result);
    }
  }

  _write(message) {
    if (!this.running) return false;
    this.child.stdin.write(encode(message));
    return true;
  }

  /**
   * Send a request. The returned promise carries `.id` (the JSON-RPC id).
   * @param {string} method
   * @param {object} [params] omitted from the message when undefined
   * @param {object} [options]
   * @param {AbortSignal} [options.signal] aborting sends $/cancelRequest (the adapter answers -32800)
   * @param {number} [options.timeoutMs] reject with code 'TIMEOUT' after this long
   * @param {(id: number) => void} [options.onSent]
   */
  request(method, params, options = {}) {
    const id = this.nextId++;
    const promise = new Promise((resolve, reject) => {
      if (!this.running) {
        reject(new RpcError('EXIT', 'AiToEarn: the adapter is not running.'));
        return;
      }
      const entry = { resolve, reject };
      if (options.timeoutMs) {
        entry.timer = setTimeout(() => {
          if (this.pending.delete(id)) {
            reject(new RpcError('TIMEOUT', `AiToEarn: no answer to ${method} in ${options.timeoutMs} ms.`));
          }
        }, options.timeoutMs);
      }
      this.pending.set(id, entry);
      const message = { jsonrpc: '2.0', id, method };
      if (params !== undefined) message.params = params;
      this._write(message);
      if (options.onSent) options.onSent(id);
      if (options.signal) {
        const onAbort = () => this.cancel(id);
        if (options.signal.aborted) onAbort();
        else options.signal.addEventListener('abort', onAbort, { once: true });
      }
    });
    promise.id = id;
    return promise;
  }

  /** @param {string} method @param {object} [params] */
  notify(method, params) {
    const message = { jsonrpc: '2.0', method };
    if (params !== undefined) message.params = params;
    return this._write(message);
  }

  /** Ask the adapter to stop request `id`; it answers that request with -32800. */
  cancel(id) {
    if (!this.pending.has(id)) return false;
    return this.notify('$/cancelRequest', { id });
  }

  /** shutdown + exit, then wait (at most `timeoutMs`) for the process to end; kill it if it won't. */
  async stop(timeoutMs = 2000) {
    if (!this.child) return;
    if (this.running) {
      const ended = new Promise((resolve) => this.once('exit', resolve));
      try {
        await this.request('shutdown', undefined, { timeoutMs: Math.min(timeoutMs, 1000) });
      } catch {
        // already going away, or it does not answer: kill below
      }
      this.notify('exit');
      const timer = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
      await Promise.race([ended, timer]);
      if (this.running) {
        this.child.kill('SIGKILL');
        await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 500).unref())]);
      }
    }
  }
}

module.exports = {
  AiToEarnClient, RpcError, ContentLengthDecoder, encode, findExecutable, notFoundMessage, parseVersion, olderThan,
};
