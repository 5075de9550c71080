// Writes docs/rules/<slug>.md from each rule's own documentation (run after `tsc`: reads out/).
const fs = require('fs');
const path = require('path');
const { allRules } = require('../out/src/core/rules');
const { renderRulePage } = require('../out/src/core/docs');

const dir = path.join(__dirname, '..', 'docs', 'rules');
fs.mkdirSync(dir, { recursive: true });
for (const rule of allRules) {
  fs.writeFileSync(path.join(dir, `${rule.meta.slug}.md`), renderRulePage(rule));
  console.log(`docs/rules/${rule.meta.slug}.md`);
}
