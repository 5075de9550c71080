// Test-only extension: when the extension host was started with CL_TESTS_PATH (the compiled
// suite index exporting run()) and CL_RESULTS, it runs the suite once and leaves the results
// where the harness waits for them. --extensionTestsPath is not supported by code-server.
const fs = require('fs');
const path = require('path');

exports.activate = function activate() {
  const suite = process.env.CL_TESTS_PATH;
  const results = process.env.CL_RESULTS;
  if (!suite || !results) return;
  // Run once per server: a page reload restarts the extension host.
  const claim = `${results}.started`;
  try { fs.writeFileSync(claim, String(process.pid), { flag: 'wx' }); } catch { return; }
  console.log(`[cl-e2e-runner] running ${suite}`);
  setTimeout(async () => {
    try {
      await require(suite).run();
    } catch (err) {
      // Failures are already in the results file; only a crash before that needs writing here.
      if (!fs.existsSync(results)) {
        fs.mkdirSync(path.dirname(results), { recursive: true });
        fs.writeFileSync(results, JSON.stringify({ passes: 0, failures: 1, pending: 0, tests: [], fatal: String(err && err.stack || err) }));
      }
    }
  }, 0);
};

exports.deactivate = function deactivate() {};
