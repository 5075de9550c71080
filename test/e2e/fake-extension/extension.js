// Harness stand-in for the real extension (same id, same diagnostic code, fix titles and log line).
// Only a regex: `X.start()` followed later by `X.daemon = <value>` in the same file.
const vscode = require('vscode');

exports.activate = function activate(context) {
  const t0 = Date.now();
  const out = vscode.window.createOutputChannel('Concurrency Lens');
  const collection = vscode.languages.createDiagnosticCollection('concurrency-lens');
  const fixesByDoc = new Map();

  function analyse(doc) {
    if (doc.languageId !== 'python') return;
    const text = doc.getText();
    const diagnostics = [];
    const fixes = [];
    const late = /^([ \t]*)(\w+)\.daemon = (\w+)[ \t]*$/gm;
    for (let m; (m = late.exec(text));) {
      const [, indent, name, value] = m;
      const startAt = text.lastIndexOf(`${name}.start()`, m.index);
      if (startAt < 0) continue;
      const at = m.index + indent.length;
      const range = new vscode.Range(doc.positionAt(at), doc.positionAt(at + `${name}.daemon = ${value}`.length));
      const d = new vscode.Diagnostic(range, `\`${name}.daemon\` is set after \`${name}.start()\`: this raises RuntimeError. Pass daemon=${value} to the constructor, or set it before start().`, vscode.DiagnosticSeverity.Error);
      d.code = 'daemon-after-start';
      d.source = 'Concurrency Lens';
      diagnostics.push(d);
      const line = doc.lineAt(range.start.line).rangeIncludingLineBreak;
      const ctor = new RegExp(`${name} = threading\\.Thread\\(([^)]*)\\)`).exec(text);
      fixes.push({ d, name, value, line, ctor, startLine: doc.positionAt(startAt).line, indent });
    }
    collection.set(doc.uri, diagnostics);
    fixesByDoc.set(doc.uri.toString(), fixes);
  }

  context.subscriptions.push(out, collection,
    vscode.workspace.onDidOpenTextDocument(analyse),
    vscode.workspace.onDidChangeTextDocument((e) => analyse(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => collection.delete(doc.uri)),
    vscode.languages.registerCodeActionsProvider('python', {
      provideCodeActions(doc, range) {
        const actions = [];
        for (const f of fixesByDoc.get(doc.uri.toString()) ?? []) {
          if (!f.d.range.intersection(range)) continue;
          if (f.ctor) {
            const a = new vscode.CodeAction(`Pass daemon=${f.value} to the constructor and remove the late assignment`, vscode.CodeActionKind.QuickFix);
            a.edit = new vscode.WorkspaceEdit();
            const end = doc.positionAt(f.ctor.index + f.ctor[0].length - 1);
            a.edit.insert(doc.uri, end, `, daemon=${f.value}`);
            a.edit.delete(doc.uri, f.line);
            a.diagnostics = [f.d];
            a.isPreferred = true;
            actions.push(a);
          }
          const m = new vscode.CodeAction('Move the daemon assignment before start()', vscode.CodeActionKind.QuickFix);
          m.edit = new vscode.WorkspaceEdit();
          m.edit.insert(doc.uri, new vscode.Position(f.startLine, 0), `${f.indent}${f.name}.daemon = ${f.value}\n`);
          m.edit.delete(doc.uri, f.line);
          m.diagnostics = [f.d];
          actions.push(m);
        }
        return actions;
      },
    }, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    vscode.languages.registerHoverProvider('python', {
      provideHover(doc, pos) {
        const f = (fixesByDoc.get(doc.uri.toString()) ?? []).find((x) => x.d.range.contains(pos));
        if (!f) return undefined;
        return new vscode.Hover(new vscode.MarkdownString('**Concurrency Lens: daemon-after-start**\n\nThe daemon flag is fixed once `start()` ran.'), f.d.range);
      },
    }));
  vscode.workspace.textDocuments.forEach(analyse);
  out.appendLine(`Concurrency Lens activated in ${Date.now() - t0} ms`);
};

exports.deactivate = function deactivate() {};
