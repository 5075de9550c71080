// Precision of warnings on projects outside the kit, judged by the kit's rule in outside-verdicts.tsv.
//
//   node bench/realworld/outside.mjs --cli dist/cli.js --outside DIR
//
// DIR holds one checkout per project below, named as `dir` (fetch each and check out the commit named in the verdict
// file's header). Each is checked from its root on its scope, without cache, as the kit's scorer does.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECTS = [
  { dir: 'datasette', repo: 'simonw/datasette', scope: ['.'] },
  { dir: 'mealie', repo: 'mealie-recipes/mealie', scope: ['.'] },
  { dir: 'jupyterhub', repo: 'jupyterhub/jupyterhub', scope: ['jupyterhub'] },
  { dir: 'gradio', repo: 'gradio-app/gradio', scope: ['gradio'] },
  { dir: 'reflex', repo: 'reflex-dev/reflex', scope: ['reflex'] },
  { dir: 'uptime-kuma', repo: 'louislam/uptime-kuma', scope: ['.'] },
  { dir: 'immich', repo: 'immich-app/immich', scope: ['server/src'] },
  { dir: 'directus', repo: 'directus/directus', scope: ['api/src'] },
  { dir: 'logto', repo: 'logto-io/logto', scope: ['packages/core/src'] },
  { dir: 'linkwarden', repo: 'linkwarden/linkwarden', scope: ['.'] },
  { dir: 'documenso', repo: 'documenso/documenso', scope: ['.'] },
  { dir: 'hoppscotch', repo: 'hoppscotch/hoppscotch', scope: ['packages/hoppscotch-backend/src'] },
  { dir: 'paperless-ngx', repo: 'paperless-ngx/paperless-ngx', scope: ['src'] },
  { dir: 'open-notebook', repo: 'lfnovo/open-notebook', scope: ['.'] },
  { dir: 'polar', repo: 'polarsource/polar', scope: ['server/polar'] },
  { dir: 'dispatch', repo: 'Netflix/dispatch', scope: ['src/dispatch'] },
  { dir: 'hummingbot', repo: 'hummingbot/hummingbot', scope: ['hummingbot'] },
  { dir: 'prefect', repo: 'PrefectHQ/prefect', scope: ['src/prefect'] },
  { dir: 'nodebb', repo: 'NodeBB/NodeBB', scope: ['src'] },
  { dir: 'atproto', repo: 'bluesky-social/atproto', scope: ['packages/pds/src'] },
  { dir: 'music-assistant', repo: 'music-assistant/server', scope: ['music_assistant'] },
  { dir: 'lnbits', repo: 'lnbits/lnbits', scope: ['lnbits'] },
  { dir: 'zigbee2mqtt', repo: 'Koenkk/zigbee2mqtt', scope: ['lib'] },
  { dir: 'flowise', repo: 'FlowiseAI/Flowise', scope: ['packages/server/src'] },
  { dir: 'homebridge', repo: 'homebridge/homebridge', scope: ['src'] },
  { dir: 'sveltekit', repo: 'sveltejs/kit', scope: ['packages/kit/src'] },
  { dir: 'nuxt', repo: 'nuxt/nuxt', scope: ['packages'] },
  { dir: 'marimo', repo: 'marimo-team/marimo', scope: ['marimo'] },
  { dir: 'nicegui', repo: 'zauberzeug/nicegui', scope: ['nicegui'] },
  { dir: 'crawlee-python', repo: 'apify/crawlee-python', scope: ['src/crawlee'] },
  { dir: 'dockge', repo: 'louislam/dockge', scope: ['backend'] },
  { dir: 'frigate', repo: 'blakeblackshear/frigate', scope: ['frigate'] },
  { dir: 'openhands', repo: 'All-Hands-AI/OpenHands', scope: ['openhands/server'] },
  { dir: 'hedgedoc', repo: 'hedgedoc/hedgedoc', scope: ['backend/src'] },
];

const argv = process.argv.slice(2);
const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const cli = path.resolve(option('--cli', 'dist/cli.js'));
const outside = path.resolve(option('--outside', '/work/outside'));
const here = path.dirname(fileURLToPath(import.meta.url));

const verdicts = new Map();
for (const line of fs.readFileSync(path.join(here, 'outside-verdicts.tsv'), 'utf8').split('\n')) {
  if (!line || line.startsWith('#')) continue;
  const [repo, place, , verdict] = line.split('\t');
  verdicts.set(`${repo}\t${place}`, verdict);
}

const rows = [];
for (const project of PROJECTS) {
  const root = path.join(outside, project.dir);
  if (!fs.existsSync(root)) {
    rows.push({ name: project.dir, missing: true });
    continue;
  }
  const started = performance.now();
  const run = spawnSync(process.execPath, [cli, 'check', '--format', 'json', '--no-cache', ...project.scope], { cwd: root, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  const output = JSON.parse(run.stdout);
  const row = { name: project.dir, warnings: 0, real: 0, notReal: 0, unjudged: [], seconds };
  for (const file of output.files ?? []) {
    for (const d of file.diagnostics) {
      if (d.severity !== 'warning' && d.severity !== 'error') continue;
      row.warnings++;
      const verdict = verdicts.get(`${project.repo}\t${file.path}:${d.range.start.line}`);
      if (verdict === 'real' || verdict === 'real-low') row.real++;
      else if (verdict === 'not-real') row.notReal++;
      else row.unjudged.push(`${file.path}:${d.range.start.line}`);
    }
  }
  rows.push(row);
}

const pct = (real, notReal) => (real + notReal ? `${((100 * real) / (real + notReal)).toFixed(1)}%` : '-');
console.log(`${'project'.padEnd(14)}${'W'.padStart(5)}${'real'.padStart(6)}${'not-real'.padStart(10)}${'unjudged'.padStart(10)}${'precision'.padStart(11)}${'s'.padStart(7)}`);
let real = 0;
let notReal = 0;
for (const row of rows) {
  if (row.missing) {
    console.log(`${row.name.padEnd(14)} not checked out`);
    continue;
  }
  real += row.real;
  notReal += row.notReal;
  console.log(`${row.name.padEnd(14)}${String(row.warnings).padStart(5)}${String(row.real).padStart(6)}${String(row.notReal).padStart(10)}${String(row.unjudged.length).padStart(10)}${pct(row.real, row.notReal).padStart(11)}${row.seconds.toFixed(1).padStart(7)}`);
}
console.log(`${'total'.padEnd(14)}${''.padStart(5)}${String(real).padStart(6)}${String(notReal).padStart(10)}${''.padStart(10)}${pct(real, notReal).padStart(11)}`);
for (const row of rows) for (const place of row.unjudged ?? []) console.log(`unjudged: ${row.name} ${place}`);
