'use strict';
// A minimal stand-in for the `vscode` API: just what extension.js uses, recording every call.
// Tests script the user's answers (input boxes, quick picks, message buttons, cancellation).

class Position {
  constructor(line, character) {
    this.line = line;
    this.character = character;
  }
}

class Selection {
  constructor(active) {
    this.active = active;
    this.anchor = active;
  }
}

class Uri {
  constructor(fsPath) {
    this.scheme = 'file';
    this.fsPath = fsPath;
    this.path = fsPath;
  }
  static file(fsPath) {
    return new Uri(fsPath);
  }
  toString() {
    return `file://${this.fsPath}`;
  }
}

class EventEmitter {
  constructor() {
    this.listeners = new Set();
    this.event = (listener, thisArg, disposables) => {
      const fn = thisArg ? listener.bind(thisArg) : listener;
      this.listeners.add(fn);
      const disposable = { dispose: () => this.listeners.delete(fn) };
      if (Array.isArray(disposables)) disposables.push(disposable);
      return disposable;
    };
  }
  fire(value) {
    for (const fn of [...this.listeners]) fn(value);
  }
}

/** A text document over a string, with LSP-style positions. */
class TextDocument {
  constructor(fsPath, text, languageId) {
    this.uri = Uri.file(fsPath);
    this.text = text;
    this.languageId = languageId;
    this.isUntitled = false;
    this.version = 1;
  }
  getText() {
    return this.text;
  }
  offsetAt(position) {
    const lines = this.text.split('\n');
    let offset = 0;
    for (let i = 0; i < position.line && i < lines.length; i++) offset += lines[i].length + 1;
    return Math.min(offset + position.character, this.text.length);
  }
  positionAt(offset) {
    const before = this.text.slice(0, Math.max(0, Math.min(offset, this.text.length))).split('\n');
    return new Position(before.length - 1, before[before.length - 1].length);
  }
  /** Edit as a user would: the change event fires like VS Code's. */
  insert(offset, text) {
    this.text = this.text.slice(0, offset) + text + this.text.slice(offset);
    this.version++;
    state.changeEmitter.fire({ document: this, contentChanges: [{ rangeOffset: offset, rangeLength: 0, text }] });
  }
}

class WorkspaceEdit {
  constructor() {
    this.edits = [];
  }
  insert(uri, position, text) {
    this.edits.push({ uri, position, text });
  }
}

const state = {};

/** Start a test afresh. */
function reset(options = {}) {
  state.config = { command: ['aitoearn-rpc'], region: '', model: '', responseFormat: '', imageFolder: 'images', ...options.config };
  state.inputs = [...(options.inputs || [])];
  state.picks = options.picks || ((items) => items[0]);
  state.choices = options.choices || {};
  state.calls = { inputBox: [], quickPick: [], error: [], info: [], warning: [], progress: [], applied: [], executed: [] };
  state.commands = new Map();
  state.statusItems = [];
  state.changeEmitter = new EventEmitter();
  state.configEmitter = new EventEmitter();
  state.progressTokens = [];
  state.workspaceFolders = options.workspaceFolders;
  state.activeTextEditor = undefined;
  exports.window.activeTextEditor = undefined;
  exports.workspace.workspaceFolders = options.workspaceFolders;
}

/** Open `text` as the active editor, the cursor at `offset` (default: the end). */
function openEditor(fsPath, text, languageId = 'markdown', offset = text.length) {
  const document = new TextDocument(fsPath, text, languageId);
  const editor = { document, selection: new Selection(document.positionAt(offset)) };
  exports.window.activeTextEditor = editor;
  return editor;
}

/** A context as VS Code gives activate(), with an in-memory secret store. */
function makeContext() {
  const secrets = new Map();
  const secretEmitter = new EventEmitter();
  return {
    subscriptions: [],
    secretsMap: secrets,
    secrets: {
      get: async (key) => secrets.get(key),
      store: async (key, value) => {
        secrets.set(key, value);
        secretEmitter.fire({ key });
      },
      delete: async (key) => {
        secrets.delete(key);
        secretEmitter.fire({ key });
      },
      onDidChange: secretEmitter.event,
    },
  };
}

function message(kind) {
  return async (text, ...items) => {
    state.calls[kind].push({ text, items });
    const choice = state.choices[kind];
    return typeof choice === 'function' ? choice(text, items) : choice;
  };
}

exports.Position = Position;
exports.Selection = Selection;
exports.Uri = Uri;
exports.EventEmitter = EventEmitter;
exports.WorkspaceEdit = WorkspaceEdit;
exports.ProgressLocation = { SourceControl: 1, Window: 10, Notification: 15 };
exports.StatusBarAlignment = { Left: 1, Right: 2 };

exports.window = {
  activeTextEditor: undefined,
  createStatusBarItem(alignment, priority) {
    const item = {
      alignment,
      priority,
      text: '',
      tooltip: '',
      command: undefined,
      visible: false,
      show() {
        this.visible = true;
      },
      hide() {
        this.visible = false;
      },
      dispose() {},
    };
    state.statusItems.push(item);
    return item;
  },
  async showInputBox(options) {
    state.calls.inputBox.push(options);
    return state.inputs.shift();
  },
  async showQuickPick(items, options) {
    const list = await items;
    state.calls.quickPick.push({ items: list, options });
    return state.picks(list);
  },
  showErrorMessage: message('error'),
  showInformationMessage: message('info'),
  showWarningMessage: message('warning'),
  async withProgress(options, task) {
    const emitter = new EventEmitter();
    const token = { isCancellationRequested: false, onCancellationRequested: emitter.event };
    const record = { options, reports: [], cancel: () => {
      token.isCancellationRequested = true;
      emitter.fire();
    } };
    state.calls.progress.push(record);
    return task({ report: (value) => record.reports.push(value) }, token);
  },
};

exports.commands = {
  registerCommand(id, fn) {
    if (state.commands.has(id)) throw new Error(`command ${id} registered twice`);
    state.commands.set(id, fn);
    return { dispose: () => state.commands.delete(id) };
  },
  async executeCommand(id, ...args) {
    state.calls.executed.push({ id, args });
    const fn = state.commands.get(id);
    if (!fn) return undefined;
    return fn(...args);
  },
};

exports.workspace = {
  workspaceFolders: undefined,
  getConfiguration(section) {
    return {
      get: (key, fallback) => {
        const value = section === 'aitoearn' ? state.config[key] : undefined;
        return value === undefined ? fallback : value;
      },
    };
  },
  onDidChangeConfiguration: (...args) => state.configEmitter.event(...args),
  onDidChangeTextDocument: (...args) => state.changeEmitter.event(...args),
  async applyEdit(edit) {
    for (const { uri, position, text } of edit.edits) {
      const editor = exports.window.activeTextEditor;
      if (!editor || editor.document.uri.fsPath !== uri.fsPath) return false;
      const document = editor.document;
      const offset = document.offsetAt(position);
      state.calls.applied.push({ uri, position, offset, text });
      document.insert(offset, text);
    }
    return true;
  },
};

exports.env = { clipboard: { writeText: async () => {} } };

exports.__fake = { state, reset, openEditor, makeContext };
