// Concurrency Lens — execution-model visualiser (webview front end). Plain JS, no build step.
// Everything from the analysed file (labels, identifiers) goes in via textContent/createTextNode
// and SVG attributes set with setAttribute; never parsed as HTML markup.
(function () {
  'use strict';

  const SVG = 'http://www.w3.org/2000/svg';
  const vscode = typeof acquireVsCodeApi === 'function'
    ? acquireVsCodeApi()
    : { postMessage: function () {}, getState: function () { return undefined; }, setState: function () {} };

  const STATES = [
    ['running', 'Running', 'executes code on a core'],
    ['waiting-gil', 'Waiting for the GIL', 'wants to run Python code; another thread holds the GIL'],
    ['ready', 'Ready', 'could run; the loop, pool or cores are busy'],
    ['blocked-io', 'Blocked in I/O', 'blocked in a read/write or a blocking call'],
    ['sleeping', 'Sleeping', 'blocked in sleep()'],
    ['awaiting', 'Awaiting', 'suspended at an await; the loop runs others'],
    ['waiting-lock', 'Waiting for a lock', 'another unit holds the lock'],
    ['joined', 'Waiting for another unit', 'join(), a synchronous call, or waiting at exit'],
  ];
  // Lookups keyed by text from the model are objects without a prototype: 'constructor' is not a key of theirs.
  const STATE_LABEL = Object.create(null);
  STATES.forEach(function (s) { STATE_LABEL[s[0]] = s[1]; });
  const KIND_LABEL = Object.assign(Object.create(null), {
    'main-thread': 'main thread', thread: 'thread', process: 'process', 'thread-pool': 'thread pool',
    'process-pool': 'process pool', 'interpreter-pool': 'interpreter pool', 'asyncio-task': 'asyncio task',
    'js-main': 'script', 'js-async': 'async function', timer: 'timer', microtask: 'microtask',
    worker: 'worker thread', 'child-process': 'child process',
  });
  const MODE_LABEL = Object.assign(Object.create(null), { sequential: 'Sequential', threads: 'Threads', processes: 'Processes', asyncio: 'asyncio', fixed: 'asyncio + fix' });
  const ENTRY_GROUPS = [
    ['module', 'Module'], ['loop', 'Event loops and servers'], ['handler', 'Handlers (per request)'], ['listener', 'Listeners (per event)'],
    ['task', 'Concurrent tasks'], ['thread-target', 'Thread and process targets'], ['run-method', 'Thread run() methods'], ['function', 'Other functions'],
  ];
  const LABEL_W_MAX = 190;
  const LABEL_W_MIN = 130;
  const LANE_H = 36;
  const BAR_H = 18;
  const AXIS_H = 26;
  const MAX_MARKERS = 400;
  const MAX_TABLE_ROWS = 2000;

  const $ = function (id) { return document.getElementById(id); };
  const el = function (tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };
  const sv = function (tag, attrs, cls) {
    const e = document.createElementNS(SVG, tag);
    if (attrs) for (const k in attrs) e.setAttribute(k, String(attrs[k]));
    if (cls) e.setAttribute('class', cls);
    return e;
  };
  const num = function (x, d) { return typeof x === 'number' && isFinite(x) ? x : d; };
  const str = function (x) { return typeof x === 'string' ? x : x === undefined || x === null ? '' : String(x); };
  const fmtMs = function (ms) {
    ms = num(ms, 0);
    if (ms >= 1000) return (ms / 1000).toFixed(ms >= 10000 ? 0 : 1) + ' s';
    return (Math.round(ms * 10) / 10) + ' ms';
  };
  const isRange = function (r) {
    return r && typeof r === 'object' && r.start && r.end && isFinite(r.start.line) && isFinite(r.start.column)
      && isFinite(r.end.line) && isFinite(r.end.column);
  };

  const saved = vscode.getState() || {};
  const ui = {
    view: str(saved.view) || 'file',
    zoom: num(saved.zoom, 1),
    speed: num(saved.speed, 1),
    table: !!saved.table,
    playhead: num(saved.playhead, Infinity),
    playing: false,
  };
  let data = null; // the last 'model' message
  let blocks = []; // rendered timelines: { timeline, model, svg, curtain, head, times, width, scale }
  let highlightLine = null;
  let rafId = 0;
  let lastFrame = 0;

  function persist() {
    const state = { view: ui.view, zoom: ui.zoom, speed: ui.speed, table: ui.table, playhead: isFinite(ui.playhead) ? ui.playhead : null };
    // Keep the model too (restores after a reload) unless it is very large.
    if (data) {
      try {
        const s = JSON.stringify(data);
        if (s.length < 4000000) state.data = data;
      } catch (e) { /* not serialisable: skip */ }
    }
    vscode.setState(state);
  }

  // ---- messages ----
  window.addEventListener('message', function (ev) {
    const m = ev.data;
    if (!m || typeof m !== 'object') return;
    if (m.type === 'model') {
      if (!m.timeline || !Array.isArray(m.timeline.lanes)) return;
      data = m;
      highlightLine = null;
      ui.playhead = Infinity;
      stop();
      render();
      persist();
    } else if (m.type === 'highlight') {
      highlightLine = typeof m.line === 'number' && isFinite(m.line) ? m.line : null;
      applyHighlight(true);
    }
  });

  function post(msg) { vscode.postMessage(msg); }

  // ---- rendering ----
  function render() {
    const hasData = !!data;
    $('empty').hidden = hasData;
    fillViewSelect();
    renderLegend();
    const pagesNow = hasData && Array.isArray(data.concepts) ? data.concepts : [];
    const onConcept = ui.view !== 'file' && pagesNow.some(function (p) { return p && p.id === ui.view; });
    // The file's notes and its entry picker belong to the file's model, not to the concept pages.
    renderNotices(onConcept);
    renderEntryBar(onConcept);
    const tl = $('timelines');
    tl.replaceChildren();
    blocks = [];
    $('concept').hidden = true;
    $('concept').replaceChildren();
    $('whatif').hidden = true;
    $('details').replaceChildren();
    if (!hasData) return;
    const pages = Array.isArray(data.concepts) ? data.concepts : [];
    const page = ui.view === 'file' ? null : pages.find(function (p) { return p && p.id === ui.view; });
    if (!page) {
      ui.view = 'file';
      $('view').value = 'file';
      const entry = data.entry && typeof data.entry === 'object' && data.entry.kind !== 'module' ? str(data.entry.label) : '';
      $('title').textContent = 'Execution model' + (data.fileName ? ': ' + str(data.fileName) : '') + (entry ? ' — ' + entry : '');
      tl.appendChild(renderTimeline(data.timeline, data.model, Array.isArray(data.diagnostics) ? data.diagnostics : [], null));
      renderWhatIf(data.whatIf);
    } else {
      $('title').textContent = str(page.title);
      renderConcept(page, tl);
    }
    $('legend').hidden = blocks.length === 0;
    $('now').hidden = blocks.length === 0;
    if (ui.table) renderTables();
    applyHighlight(false);
    setPlayhead(ui.playhead);
  }

  function fillViewSelect() {
    const sel = $('view');
    const pages = data && Array.isArray(data.concepts) ? data.concepts : [];
    sel.replaceChildren();
    const file = el('option', null, data && data.fileName ? 'This file: ' + str(data.fileName) : 'This file');
    file.value = 'file';
    sel.appendChild(file);
    if (pages.length) {
      const g = document.createElement('optgroup');
      g.label = 'Concepts';
      pages.forEach(function (p) {
        if (!p || typeof p.id !== 'string') return;
        const o = el('option', null, str(p.title));
        o.value = p.id;
        g.appendChild(o);
      });
      sel.appendChild(g);
    }
    sel.value = ui.view;
  }

  function renderLegend() {
    const lg = $('legend');
    lg.replaceChildren();
    STATES.forEach(function (s) {
      const item = el('span', 'legend-item');
      item.title = s[2];
      const svg = sv('svg', { width: 22, height: 12, viewBox: '0 0 22 12', 'aria-hidden': 'true' });
      const defs = defsOnce();
      svg.appendChild(defs);
      const sw = sv('rect', { x: 1, y: s[0] === 'joined' ? 4 : 1, width: 20, height: s[0] === 'joined' ? 4 : 10, rx: 2 }, 'span s-' + s[0]);
      const pat = patternOf(s[0]);
      if (pat) sw.setAttribute('fill', 'url(#' + pat + '-' + defs.getAttribute('data-id') + ')');
      svg.appendChild(sw);
      item.appendChild(svg);
      item.appendChild(document.createTextNode(s[1]));
      lg.appendChild(item);
    });
    const marks = [['m-gil', 'GIL hand-off'], ['m-switch', 'task switch'], ['m-stall', 'stall (blocking call)'], ['m-killed', 'daemon killed']];
    marks.forEach(function (m) {
      const item = el('span', 'legend-item');
      const svg = sv('svg', { width: 14, height: 12, viewBox: '0 0 14 12', 'aria-hidden': 'true' });
      svg.appendChild(markerShape(m[0], 7, 6));
      item.appendChild(svg);
      item.appendChild(document.createTextNode(m[1]));
      lg.appendChild(item);
    });
  }

  function renderEntryBar(hidden) {
    const bar = $('entrybar');
    const entries = data && Array.isArray(data.entries) ? data.entries.filter(function (e) { return e && typeof e.id === 'string'; }) : [];
    if (!data || hidden || !entries.length) { bar.hidden = true; return; }
    bar.hidden = false;
    const sel = $('entry');
    sel.replaceChildren();
    ENTRY_GROUPS.forEach(function (g) {
      const items = entries.filter(function (e) { return e.kind === g[0]; });
      if (!items.length) return;
      const group = document.createElement('optgroup');
      group.label = g[1];
      items.forEach(function (e) {
        const line = e.range && e.range.start && isFinite(e.range.start.line) && e.kind !== 'module' ? ' (line ' + (e.range.start.line + 1) + ')' : '';
        const o = el('option', null, clip(str(e.label), 70) + line);
        o.value = e.id;
        if (e.evidence) o.title = str(e.evidence);
        group.appendChild(o);
      });
      sel.appendChild(group);
    });
    const chosen = data.entry && typeof data.entry.id === 'string' ? data.entry.id : 'module';
    sel.value = chosen;
    const arr = data.arrivals && typeof data.arrivals === 'object' ? data.arrivals : { count: 1, spacingMs: 0 };
    const isModule = !data.entry || data.entry.kind === 'module';
    $('arrivalsGroup').hidden = isModule && !(data.runs && data.runs.arrivals);
    $('arrivals').value = String(num(arr.count, 1));
    const spacing = String(num(arr.spacingMs, 0));
    if (!Array.prototype.some.call($('spacing').options, function (o) { return o.value === spacing; })) {
      const o = el('option', null, 'every ' + spacing + ' ms');
      o.value = spacing;
      $('spacing').appendChild(o);
    }
    $('spacing').value = spacing;
    const lat = $('latency');
    lat.replaceChildren();
    const l = data.latency;
    if (l && typeof l === 'object' && typeof l.text === 'string') {
      lat.hidden = false;
      const n = num(l.count, 0);
      const noun = str(l.noun) || 'arrival';
      lat.appendChild(document.createTextNode(n + ' ' + noun + (n === 1 ? '' : 's') + (n > 1 ? (num(l.spacingMs, 0) > 0 ? ', one every ' + fmtMs(l.spacingMs) : ' at once') : '') + ': the last finishes at '));
      lat.appendChild(el('span', l.fixed ? 'slow' : null, fmtMs(l.lastMs)));
      if (l.fixed && typeof l.fixed === 'object') {
        lat.appendChild(document.createTextNode('; with the fix (' + str(l.fixed.fix) + '): '));
        lat.appendChild(el('span', 'fixed', fmtMs(l.fixed.lastMs)));
      }
      lat.appendChild(document.createTextNode('.'));
      lat.title = str(l.text);
    } else if (data.runs && typeof data.runs.label === 'string') {
      lat.hidden = false;
      lat.textContent = 'Runs ' + str(data.runs.label) + '.';
    } else lat.hidden = true;
  }

  function renderNotices(hidden) {
    const box = $('notices');
    box.replaceChildren();
    if (!data || hidden) { box.hidden = true; return; }
    const notes = [];
    if (data.timeline.truncated) notes.push(['warn', 'The model is too large to simulate fully: the timeline stops early.']);
    (Array.isArray(data.model && data.model.notes) ? data.model.notes : []).forEach(function (n) { notes.push(['info', str(n)]); });
    (Array.isArray(data.timeline.notes) ? data.timeline.notes : []).forEach(function (n) { notes.push(['info', str(n)]); });
    if (data.settings && data.settings.freeThreaded) notes.push(['info', 'Free-threaded Python: threads run Python code in parallel (no GIL).']);
    notes.slice(0, 12).forEach(function (n) { box.appendChild(el('p', 'notice ' + n[0], n[1])); });
    box.hidden = notes.length === 0;
  }

  let defsCounter = 0;
  function defsOnce() {
    // Hatch patterns: states differ by texture as well as colour (colour-blind, high contrast).
    const defs = sv('defs');
    const id = 'p' + (++defsCounter);
    [['hatch-gil', 'p-gil'], ['hatch-lock', 'p-lock'], ['dots-sleep', 'p-sleep']].forEach(function (p) {
      const pat = sv('pattern', { id: p[0] + '-' + id, width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: p[0] === 'dots-sleep' ? '' : 'rotate(45)' });
      if (p[0] === 'dots-sleep') pat.appendChild(sv('circle', { cx: 3, cy: 3, r: 1.1 }, 'pat ' + p[1]));
      else pat.appendChild(sv('line', { x1: 0, y1: 0, x2: 0, y2: 6 }, 'pat ' + p[1]));
      defs.appendChild(pat);
    });
    defs.setAttribute('data-id', id);
    return defs;
  }

  function patternOf(state) {
    return state === 'waiting-gil' ? 'hatch-gil' : state === 'waiting-lock' ? 'hatch-lock' : state === 'sleeping' ? 'dots-sleep' : null;
  }

  function markerShape(kind, x, y) {
    let e;
    if (kind === 'm-gil') e = sv('path', { d: 'M' + (x - 4) + ' ' + (y - 5) + 'h8l-4 6z' });
    else if (kind === 'm-switch') e = sv('path', { d: 'M' + (x - 1) + ' ' + (y - 6) + 'h2v12h-2z' });
    else if (kind === 'm-stall') e = sv('path', { d: 'M' + x + ' ' + (y - 6) + 'l6 11h-12z' });
    else e = sv('path', { d: 'M' + (x - 4) + ' ' + (y - 4) + 'l8 8m0 -8l-8 8' });
    e.setAttribute('class', 'marker ' + kind);
    return e;
  }

  /** One swimlane timeline as an SVG inside a scroll box. */
  function renderTimeline(timeline, model, diagnostics, caption, sharedTotal) {
    const wrap = el('figure', 'tl-block');
    if (caption) wrap.appendChild(el('figcaption', 'tl-caption', caption));
    const lanes = timeline.lanes.filter(function (l) { return l && Array.isArray(l.spans); });
    const total = Math.max(num(timeline.totalMs, 0), 1);
    // Timelines of one concept page share a scale, so their lengths compare.
    const span = Math.max(total, num(sharedTotal, 0));
    const units = Object.create(null);
    (model && Array.isArray(model.units) ? model.units : []).forEach(function (u) { if (u && typeof u.id === 'string') units[u.id] = u; });
    // At the default zoom the whole run fits the panel: the plot takes what the labels and the border leave.
    // The label column gives way in a narrow panel (the editor beside it), down to a minimum.
    const panelW = $('timelines').clientWidth || 900;
    const LABEL_W = Math.round(Math.min(LABEL_W_MAX, Math.max(LABEL_W_MIN, panelW * 0.3)));
    const labelChars = Math.floor((LABEL_W - 20) / 7);
    const avail = Math.max(240, panelW - LABEL_W - 28);
    const plotW = Math.round(avail * ui.zoom);
    const scale = plotW / span;
    const width = LABEL_W + plotW + 24;
    const stallRow = evsHave(timeline, 'stall') ? 22 : 0; // a row under the lanes for stall labels
    const height = AXIS_H + lanes.length * LANE_H + stallRow + 8;
    const svg = sv('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'group' }, 'timeline');
    svg.setAttribute('aria-label', 'Timeline, ' + lanes.length + ' lanes, ' + fmtMs(total) + '. Arrow keys move between spans, Enter shows the code.');
    const defs = defsOnce();
    const pid = defs.getAttribute('data-id');
    svg.appendChild(defs);
    const xOf = function (ms) { return LABEL_W + ms * scale; };

    // Axis with round tick steps.
    const axis = sv('g', null, 'axis');
    const step = niceStep(span / Math.max(2, plotW / 90));
    for (let ms = 0; ms <= span + 1e-9; ms += step) {
      const x = xOf(ms);
      axis.appendChild(sv('line', { x1: x, y1: AXIS_H - 6, x2: x, y2: height - 4 }, 'grid'));
      const nearEnd = x + 50 > width;
      const tx = sv('text', { x: nearEnd ? x - 3 : x + 3, y: AXIS_H - 10, 'text-anchor': nearEnd ? 'end' : 'start' }, 'tick');
      tx.textContent = fmtMs(ms);
      axis.appendChild(tx);
    }
    svg.appendChild(axis);

    // Where the diagnostics act: steps flagged by code, or whose line a diagnostic names.
    const diagLines = Object.create(null);
    diagnostics.forEach(function (d) { if (d && isRange(d.range)) diagLines[d.range.start.line] = d; });
    const diagOf = function (unit, span) {
      const st = unit && Array.isArray(unit.steps) ? unit.steps[span.stepIndex] : null;
      if (span.range && diagLines[span.range.start.line]) return diagLines[span.range.start.line];
      if (st && st.diagnosticCode) return { code: st.diagnosticCode, message: str(st.diagnosticCode) };
      return null;
    };

    const spanEls = [];
    const laneIndex = Object.create(null);
    // The same labels again in a narrow SVG that stays at the left edge while the timeline scrolls under it.
    const fixed = sv('svg', { width: LABEL_W, height: height, viewBox: '0 0 ' + LABEL_W + ' ' + height, 'aria-hidden': 'true' }, 'tl-labels');
    fixed.style.marginRight = -LABEL_W + 'px'; // overlaps the main SVG's own label column
    fixed.appendChild(sv('rect', { x: 0, y: 0, width: LABEL_W, height: height }, 'label-bg'));
    lanes.forEach(function (lane, i) {
      laneIndex[lane.unitId] = i;
      const y = AXIS_H + i * LANE_H;
      const g = sv('g', null, 'lane' + (i % 2 ? ' odd' : ''));
      g.appendChild(sv('rect', { x: 0, y: y, width: width, height: LANE_H }, 'lane-bg'));
      const unit = units[lane.unitId];
      const label = str(lane.label) || str(lane.unitId);
      const kind = KIND_LABEL[lane.kind] || str(lane.kind);
      const lt = sv('text', { x: lane.parent ? 18 : 8, y: y + 12 }, 'lane-label');
      lt.textContent = clip(label, lane.parent ? labelChars - 2 : labelChars);
      const ltTitle = sv('title');
      ltTitle.textContent = label + ' (' + kind + (unit && unit.daemon ? ', daemon' : '') + ')';
      lt.appendChild(ltTitle);
      g.appendChild(lt);
      const kt = sv('text', { x: lane.parent ? 18 : 8, y: y + 26 }, 'lane-kind');
      // An arrival's lane says when it arrives (its kind is in the tooltip): the column may be narrow.
      const arrivalText = unit && unit.arrival && isFinite(unit.arrival.atMs) ? 'arrives at ' + fmtMs(unit.arrival.atMs) + ' · ' + (lane.kind === 'timer' ? 'callback' : kind) : '';
      kt.textContent = clip(arrivalText || (kind + (unit && unit.daemon ? ' · daemon' : '') + (unit && unit.maxWorkers ? ' · max ' + unit.maxWorkers : '')), labelChars + 6);
      g.appendChild(kt);
      const fg = sv('g', null, 'lane' + (i % 2 ? ' odd' : ''));
      fg.appendChild(sv('rect', { x: 0, y: y, width: LABEL_W, height: LANE_H }, 'lane-bg'));
      const flt = lt.cloneNode(true);
      flt.setAttribute('class', 'lane-label lane-label-fixed');
      fg.appendChild(flt);
      fg.appendChild(kt.cloneNode(true));
      fixed.appendChild(fg);
      const laneSpans = [];
      lane.spans.forEach(function (s) {
        if (!s || !STATE_LABEL[s.state]) return;
        const x0 = xOf(num(s.start, 0));
        const w = Math.max(1, (num(s.end, 0) - num(s.start, 0)) * scale);
        const thin = s.state === 'joined';
        const r = sv('rect', {
          x: x0, y: y + (thin ? LANE_H / 2 - 2 : (LANE_H - BAR_H) / 2), width: w, height: thin ? 4 : BAR_H, rx: thin ? 1 : 2,
          tabindex: -1, role: 'button',
        }, 'span s-' + s.state);
        const pat = patternOf(s.state);
        if (pat) r.setAttribute('fill', 'url(#' + pat + '-' + pid + ')');
        const step = unit && Array.isArray(unit.steps) ? unit.steps[s.stepIndex] : null;
        const what = step ? str(step.label) : '';
        const line = isRange(s.range) ? s.range.start.line + 1 : null;
        const text = label + ': ' + STATE_LABEL[s.state] + ', ' + fmtMs(s.start) + ' – ' + fmtMs(s.end)
          + (what ? ', ' + what : '') + (line ? ', line ' + line : '');
        r.setAttribute('aria-label', text);
        const title = sv('title');
        title.textContent = text;
        r.appendChild(title);
        const d = diagOf(unit, s);
        // Outlined where the flagged call acts, not while the unit only waits its turn.
        if (d && s.state !== 'joined' && s.state !== 'ready') r.classList.add('diag');
        const info = { rect: r, span: s, lane: lane, unit: unit, text: text, diag: d, what: what };
        r.addEventListener('click', function () { activate(info); });
        r.addEventListener('keydown', function (ev) { onSpanKey(ev, info); });
        r.addEventListener('focus', function () { showDetails(info); });
        g.appendChild(r);
        laneSpans.push(info);
      });
      if (laneSpans.length) laneSpans[0].rect.setAttribute('tabindex', i === 0 ? 0 : -1);
      spanEls.push(laneSpans);
      svg.appendChild(g);
    });
    // Keep one tab stop for the whole chart (roving tabindex), on the first span anywhere.
    const first = spanEls.find(function (l) { return l.length; });
    if (first) first[0].rect.setAttribute('tabindex', 0);

    // Events: stalls as bands over the loop's other lanes, hand-offs and switches as marks.
    const marks = sv('g', null, 'marks');
    const evs = Array.isArray(timeline.events) ? timeline.events : [];
    // Stalls of one cause (the same call, once per request) share one label under their bands.
    const stallGroups = Object.create(null);
    const count = { 'gil-handoff': 0, 'task-switch': 0 };
    evs.forEach(function (e) { if (e && count[e.kind] !== undefined) count[e.kind]++; });
    const tooMany = Object.create(null);
    Object.keys(count).forEach(function (k) { tooMany[k] = count[k] > MAX_MARKERS; });
    evs.forEach(function (e) {
      if (!e || !(e.unitId in laneIndex)) return;
      const i = laneIndex[e.unitId];
      const x = xOf(num(e.at, 0));
      const y = AXIS_H + i * LANE_H;
      if (e.kind === 'stall') {
        const lane = lanes[i];
        const blocking = lane.spans.find(function (s) { return Math.abs(num(s.start, -1) - e.at) < 1e-6; });
        const end = blocking ? num(blocking.end, e.at) : e.at;
        const band = sv('rect', { x: x, y: AXIS_H, width: Math.max(2, (end - e.at) * scale), height: lanes.length * LANE_H + stallRow }, 'stall-band');
        const tt = sv('title');
        tt.textContent = str(e.detail);
        band.appendChild(tt);
        marks.insertBefore(band, marks.firstChild);
        const m = markerShape('m-stall', x + 7, y + 7);
        m.appendChild(tt.cloneNode(true));
        marks.appendChild(m);
        const d = isRange(e.range) && diagLines[e.range.start.line];
        const text = d ? str(d.message) : str(e.detail);
        const group = stallGroups[text] || (stallGroups[text] = { x: x, end: x, n: 0 });
        group.end = Math.max(group.end, x + (end - e.at) * scale);
        group.n++;
      } else if (e.kind === 'gil-handoff' && !tooMany[e.kind]) {
        const m = markerShape('m-gil', x, y + 5);
        const tt = sv('title');
        tt.textContent = fmtMs(e.at) + ': ' + str(e.detail);
        m.appendChild(tt);
        marks.appendChild(m);
      } else if (e.kind === 'task-switch' && !tooMany[e.kind]) {
        const m = markerShape('m-switch', x, y + LANE_H / 2);
        const tt = sv('title');
        tt.textContent = fmtMs(e.at) + ': ' + str(e.detail);
        m.appendChild(tt);
        marks.appendChild(m);
      } else if (e.kind === 'daemon-killed') {
        const m = markerShape('m-killed', x - 6, y + LANE_H / 2);
        const tt = sv('title');
        tt.textContent = str(e.detail);
        m.appendChild(tt);
        marks.appendChild(m);
      }
    });
    // Left to right, each label stops where the next begins (too little room: the band's tooltip says it).
    const groups = Object.keys(stallGroups).map(function (text) { return { text: text, g: stallGroups[text] }; })
      .sort(function (a, b) { return a.g.x - b.g.x; });
    groups.forEach(function (item, i) {
      const g = item.g;
      const text = item.text;
      const next = groups[i + 1];
      const room = (next ? next.g.x : width - 8) - g.x - 6;
      if (room < 40) return;
      const lab = sv('text', { x: g.x + 4, y: AXIS_H + lanes.length * LANE_H + 12 }, 'stall-label');
      lab.textContent = clip((g.n > 1 ? g.n + ' stalls: ' : 'stall: ') + text, Math.floor(room / 6.5));
      const tt = sv('title');
      tt.textContent = text;
      lab.appendChild(tt);
      marks.appendChild(lab);
    });
    svg.appendChild(marks);

    // Playhead: a curtain over the future, and a line.
    const curtain = sv('rect', { x: width, y: AXIS_H - 4, width: 0, height: height - AXIS_H + 4 }, 'curtain');
    const head = sv('line', { x1: width, y1: AXIS_H - 6, x2: width, y2: height }, 'playhead');
    svg.appendChild(curtain);
    svg.appendChild(head);

    fixed.appendChild(sv('line', { x1: LABEL_W - 0.5, y1: 0, x2: LABEL_W - 0.5, y2: height }, 'label-edge'));
    const scroller = el('div', 'tl-scroll');
    const row = el('div', 'tl-row');
    row.appendChild(fixed);
    row.appendChild(svg);
    scroller.appendChild(row);
    wrap.appendChild(scroller);
    const summary = [];
    Object.keys(count).forEach(function (k) {
      if (count[k]) summary.push(count[k] + (k === 'gil-handoff' ? ' GIL hand-off' : ' task switch') + (count[k] === 1 ? '' : k === 'gil-handoff' ? 's' : 'es') + (tooMany[k] ? ' (too many to mark)' : ''));
    });
    wrap.appendChild(el('p', 'tl-summary', 'Total ' + fmtMs(timeline.totalMs) + (summary.length ? ' · ' + summary.join(' · ') : '')));

    const times = [0, total];
    lanes.forEach(function (l) { l.spans.forEach(function (s) { times.push(num(s.start, 0), num(s.end, 0)); }); });
    times.sort(function (a, b) { return a - b; });
    const block = { timeline: timeline, model: model, svg: svg, curtain: curtain, head: head, width: width, scale: scale, total: total, times: uniq(times), spans: spanEls, lanes: lanes, xOf: xOf, tableHost: el('div', 'table-host') };
    wrap.appendChild(block.tableHost);
    blocks.push(block);
    return wrap;
  }

  function evsHave(timeline, kind) {
    return Array.isArray(timeline.events) && timeline.events.some(function (e) { return e && e.kind === kind; });
  }

  function niceStep(raw) {
    const p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-6))));
    const f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  }
  function uniq(a) { return a.filter(function (x, i) { return i === 0 || x - a[i - 1] > 1e-9; }); }
  function clip(s, n) { return s.length > n ? s.slice(0, Math.max(1, n - 1)) + '…' : s; }

  // ---- interaction ----
  function activate(info) {
    showDetails(info);
    info.rect.focus({ preventScroll: true });
    const range = isRange(info.span.range) ? info.span.range : info.unit && isRange(info.unit.range) ? info.unit.range : null;
    if (range) post({ type: 'reveal', range: range });
  }

  function onSpanKey(ev, info) {
    const block = blocks.find(function (b) { return b.svg.contains(info.rect); });
    if (!block) return;
    const li = block.lanes.indexOf(info.lane);
    const row = block.spans[li];
    const si = row.indexOf(info);
    let target = null;
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      activate(info);
      return;
    } else if (ev.key === 'ArrowRight') target = row[si + 1];
    else if (ev.key === 'ArrowLeft') target = row[si - 1];
    else if (ev.key === 'Home') target = row[0];
    else if (ev.key === 'End') target = row[row.length - 1];
    else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      const mid = (info.span.start + info.span.end) / 2;
      for (let j = li + (ev.key === 'ArrowDown' ? 1 : -1); j >= 0 && j < block.spans.length; j += ev.key === 'ArrowDown' ? 1 : -1) {
        const r = block.spans[j];
        if (!r.length) continue;
        target = r.reduce(function (best, x) {
          const d = Math.abs((x.span.start + x.span.end) / 2 - mid);
          return !best || d < best.d ? { x: x, d: d } : best;
        }, null).x;
        break;
      }
    } else return;
    ev.preventDefault();
    if (target) {
      info.rect.setAttribute('tabindex', -1);
      target.rect.setAttribute('tabindex', 0);
      target.rect.focus();
    }
  }

  function showDetails(info) {
    const box = $('details');
    box.replaceChildren();
    box.appendChild(el('strong', null, str(info.lane.label)));
    box.appendChild(document.createTextNode(' — ' + STATE_LABEL[info.span.state] + ' from ' + fmtMs(info.span.start) + ' to ' + fmtMs(info.span.end) + '. '));
    const why = STATES.find(function (s) { return s[0] === info.span.state; });
    if (why) box.appendChild(el('span', 'muted', why[2].charAt(0).toUpperCase() + why[2].slice(1) + '. '));
    if (info.what) box.appendChild(el('code', null, info.what));
    if (info.diag) {
      const p = el('p', 'diag-text');
      p.appendChild(el('strong', null, str(info.diag.code) + ': '));
      p.appendChild(document.createTextNode(str(info.diag.message)));
      box.appendChild(p);
    }
    if (isRange(info.span.range)) box.appendChild(el('span', 'muted', ' (line ' + (info.span.range.start.line + 1) + '; Enter or click shows it)'));
  }

  function applyHighlight(scroll) {
    let firstHit = null;
    blocks.forEach(function (b) {
      b.spans.forEach(function (row) {
        row.forEach(function (info) {
          const r = info.span.range;
          const hit = !!(highlightLine !== null && isRange(r) && r.start.line <= highlightLine && highlightLine <= r.end.line);
          info.rect.classList.toggle('hl', hit);
          if (hit && !firstHit) firstHit = info;
        });
      });
    });
    if (scroll && firstHit && firstHit.rect.scrollIntoView) firstHit.rect.scrollIntoView({ block: 'nearest', inline: 'center' });
  }

  // ---- playback ----
  function setPlayhead(t) {
    ui.playhead = t;
    blocks.forEach(function (b) {
      const at = Math.min(t, b.total);
      const x = b.xOf(at);
      const done = !isFinite(t) || t >= b.total;
      b.curtain.setAttribute('x', x);
      b.curtain.setAttribute('width', done ? 0 : Math.max(0, b.width - x));
      b.head.setAttribute('x1', x);
      b.head.setAttribute('x2', x);
      b.head.classList.toggle('hidden', done);
    });
    describeNow();
  }

  function describeNow() {
    const box = $('now');
    box.replaceChildren();
    const b = blocks[0];
    if (!b) return;
    const t = Math.min(ui.playhead, b.total);
    if (!isFinite(ui.playhead) || ui.playhead >= b.total) {
      box.appendChild(el('span', 'muted', 'Press Play or Step to walk through the run; hover or focus a span for details.'));
      return;
    }
    box.appendChild(el('strong', null, 'At ' + fmtMs(t) + ': '));
    const by = Object.create(null);
    b.lanes.forEach(function (l) {
      const s = l.spans.find(function (x) { return x.start <= t + 1e-9 && t < x.end - 1e-9; });
      if (s) (by[s.state] = by[s.state] || []).push(str(l.label));
    });
    const parts = [];
    STATES.forEach(function (s) { if (by[s[0]]) parts.push(s[1] + ': ' + by[s[0]].join(', ')); });
    box.appendChild(document.createTextNode(parts.length ? parts.join('; ') + '.' : 'nothing runs.'));
    const evs = (b.timeline.events || []).filter(function (e) { return e && e.at <= t + 1e-9 && e.kind !== 'spawn' && e.kind !== 'join'; });
    const last = evs[evs.length - 1];
    if (last && t - last.at <= b.total / 20) {
      box.appendChild(el('br'));
      box.appendChild(el('span', 'muted', fmtMs(last.at) + ': ' + str(last.detail)));
    }
  }

  function play() {
    if (!blocks.length) return;
    if (!isFinite(ui.playhead) || ui.playhead >= blocks[0].total) setPlayhead(0);
    ui.playing = true;
    $('play').textContent = 'Pause';
    $('play').setAttribute('aria-label', 'Pause');
    lastFrame = 0;
    rafId = requestAnimationFrame(frame);
  }
  function stop() {
    ui.playing = false;
    cancelAnimationFrame(rafId);
    $('play').textContent = 'Play';
    $('play').setAttribute('aria-label', 'Play');
  }
  function frame(ts) {
    if (!ui.playing || !blocks.length) return;
    const dt = lastFrame ? ts - lastFrame : 0;
    lastFrame = ts;
    const total = blocks[0].total;
    // 1× plays the whole run in about eight seconds: durations are relative anyway.
    const next = ui.playhead + (dt / 8000) * total * ui.speed;
    if (next >= total) {
      setPlayhead(Infinity);
      stop();
      persist();
      return;
    }
    setPlayhead(next);
    rafId = requestAnimationFrame(frame);
  }
  function stepOnce() {
    stop();
    const b = blocks[0];
    if (!b) return;
    const cur = isFinite(ui.playhead) && ui.playhead < b.total ? ui.playhead : -1;
    const next = b.times.find(function (x) { return x > cur + 1e-9; });
    setPlayhead(next === undefined || next >= b.total ? Infinity : next);
    persist();
  }

  // ---- what-if and concepts ----
  function renderWhatIf(w) {
    const box = $('whatif');
    box.replaceChildren();
    if (!w || !Array.isArray(w.results) || !w.results.length) { box.hidden = true; return; }
    box.hidden = false;
    const arrivals = data && data.latency ? num(data.latency.count, 0) + ' ' + str(data.latency.noun) + 's' : num(w.workers, 0) + ' ' + (str(w.noun) || 'units of work');
    box.appendChild(el('h2', null, 'What if the same ' + arrivals + ' ran as…'));
    const table = el('table', 'data whatif-table');
    table.appendChild(el('caption', 'muted', 'Total time of the same work under each execution model'));
    const head = el('tr');
    ['Execution model', 'Total', ''].forEach(function (h) { head.appendChild(el('th', null, h)); });
    const thead = el('thead');
    thead.appendChild(head);
    table.appendChild(thead);
    const tb = el('tbody');
    const max = Math.max.apply(null, w.results.map(function (r) { return num(r.totalMs, 0); }).concat([1]));
    w.results.forEach(function (r) {
      const best = r.mode === w.recommended;
      const tr = el('tr', best ? 'best' : null);
      tr.appendChild(el('td', null, (str(r.label) || MODE_LABEL[r.mode] || str(r.mode)) + (best ? ' ✓' : '')));
      tr.appendChild(el('td', 'num', fmtMs(num(r.totalMs, 0))));
      const cell = el('td');
      const bw = Math.max(2, Math.round(num(r.totalMs, 0) / max * 220));
      const bar = sv('svg', { width: 224, height: 12, viewBox: '0 0 224 12', 'aria-hidden': 'true' });
      bar.appendChild(sv('rect', { x: 0, y: 2, width: bw, height: 8, rx: 2 }));
      cell.appendChild(bar);
      tr.appendChild(cell);
      tb.appendChild(tr);
    });
    table.appendChild(tb);
    box.appendChild(table);
    if (w.lesson) box.appendChild(el('p', 'lesson', str(w.lesson)));
  }

  function barChart(bars, unit, log, label) {
    const rowH = 22;
    const labW = 110;
    const w = 520;
    const max = Math.max.apply(null, bars.map(function (b) { return b.value; }).concat([1]));
    const len = function (v) { return log ? (Math.log10(Math.max(1, v)) / Math.log10(Math.max(10, max))) : v / max; };
    const svg = sv('svg', { width: w, height: bars.length * rowH + 4, viewBox: '0 0 ' + w + ' ' + (bars.length * rowH + 4), role: 'img' }, 'bars');
    svg.setAttribute('aria-label', label + ': ' + bars.map(function (b) { return b.label + ' ' + b.value + ' ' + unit; }).join(', '));
    const best = Math.min.apply(null, bars.map(function (b) { return b.value; }));
    bars.forEach(function (b, i) {
      const y = i * rowH + 2;
      const t = sv('text', { x: 0, y: y + rowH / 2 + 1 }, 'bar-label');
      t.textContent = b.label;
      svg.appendChild(t);
      const bw = Math.max(2, len(b.value) * (w - labW - 90));
      svg.appendChild(sv('rect', { x: labW, y: y + 3, width: bw, height: rowH - 8, rx: 2 }, 'bar ' + (b.cls || '') + (b.value === best && !log ? ' best' : '')));
      const v = sv('text', { x: labW + bw + 6, y: y + rowH / 2 + 1 }, 'bar-value');
      v.textContent = b.value.toLocaleString('en-US') + ' ' + unit;
      svg.appendChild(v);
    });
    return svg;
  }

  function renderConcept(page, host) {
    const box = $('concept');
    box.hidden = false;
    box.appendChild(el('p', 'summary', str(page.summary)));
    (Array.isArray(page.paragraphs) ? page.paragraphs : []).forEach(function (p) { box.appendChild(el('p', null, str(p))); });
    const views = Array.isArray(page.views) ? page.views : [];
    const shared = Math.max.apply(null, views.map(function (v) { return v && v.kind === 'timeline' && v.timeline ? num(v.timeline.totalMs, 0) : 0; }).concat([0]));
    views.forEach(function (v) {
      if (!v) return;
      if (v.kind === 'timeline' && v.timeline && Array.isArray(v.timeline.lanes)) {
        host.appendChild(renderTimeline(v.timeline, v.model, [], str(v.caption), shared));
      } else if (v.kind === 'table' && Array.isArray(v.rows)) {
        const fig = el('figure', 'concept-view');
        fig.appendChild(el('figcaption', null, str(v.caption)));
        const table = el('table', 'data');
        const tr = el('tr');
        (v.columns || []).forEach(function (c) { tr.appendChild(el('th', null, str(c))); });
        const thead = el('thead');
        thead.appendChild(tr);
        table.appendChild(thead);
        const tb = el('tbody');
        v.rows.forEach(function (r) {
          const row = el('tr');
          (Array.isArray(r) ? r : []).forEach(function (c) { row.appendChild(el('td', null, typeof c === 'number' ? c.toLocaleString('en-US') : str(c))); });
          tb.appendChild(row);
        });
        table.appendChild(tb);
        fig.appendChild(table);
        box.appendChild(fig);
      } else if (v.kind === 'bars' && Array.isArray(v.groups)) {
        const fig = el('figure', 'concept-view');
        fig.appendChild(el('figcaption', null, str(v.caption)));
        const bars = [];
        v.groups.forEach(function (g) {
          (g.bars || []).forEach(function (b) { bars.push({ label: str(b.label) + ', ' + str(g.label).replace(' registered', ''), value: num(b.value, 0), cls: 'series-' + str(b.label).replace(/[^a-z]/gi, '') }); });
        });
        fig.appendChild(barChart(bars, str(v.unit), !!v.log, str(v.caption)));
        box.appendChild(fig);
      } else if (v.kind === 'cycle' && Array.isArray(v.phases)) {
        const fig = el('figure', 'concept-view');
        fig.appendChild(el('figcaption', null, str(v.caption)));
        const ol = el('ol', 'cycle');
        v.phases.forEach(function (p) {
          const li = el('li', 'phase');
          li.appendChild(el('strong', null, str(p.name)));
          li.appendChild(el('span', null, str(p.detail)));
          ol.appendChild(li);
        });
        fig.appendChild(ol);
        fig.appendChild(el('p', 'between', '↻ ' + str(v.between)));
        box.appendChild(fig);
      }
    });
  }

  // ---- table view (screen readers) ----
  function renderTables() {
    blocks.forEach(function (b) {
      const host = b.tableHost;
      host.replaceChildren();
      const table = el('table', 'data spans-table');
      table.appendChild(el('caption', null, 'Spans, in time order'));
      const head = el('tr');
      ['Unit', 'State', 'From', 'To', 'Code', 'Line'].forEach(function (h) { head.appendChild(el('th', null, h)); });
      const thead = el('thead');
      thead.appendChild(head);
      table.appendChild(thead);
      const tb = el('tbody');
      const all = [];
      b.spans.forEach(function (row) { row.forEach(function (i) { all.push(i); }); });
      all.sort(function (x, y) { return x.span.start - y.span.start; });
      all.slice(0, MAX_TABLE_ROWS).forEach(function (info) {
        const tr = el('tr');
        tr.tabIndex = 0;
        [str(info.lane.label), STATE_LABEL[info.span.state], fmtMs(info.span.start), fmtMs(info.span.end), info.what,
          isRange(info.span.range) ? String(info.span.range.start.line + 1) : ''].forEach(function (c) { tr.appendChild(el('td', null, c)); });
        tr.addEventListener('click', function () { activate(info); });
        tr.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { ev.preventDefault(); activate(info); } });
        tb.appendChild(tr);
      });
      table.appendChild(tb);
      host.appendChild(table);
      if (all.length > MAX_TABLE_ROWS) host.appendChild(el('p', 'muted', 'First ' + MAX_TABLE_ROWS + ' of ' + all.length + ' spans.'));
    });
  }

  // ---- export ----
  function exportSvg() {
    const b = blocks[0];
    if (!b) return;
    const clone = b.svg.cloneNode(true);
    clone.setAttribute('xmlns', SVG);
    // Bake the theme colours in: the file is viewed outside VS Code.
    const src = b.svg.querySelectorAll('*');
    const dst = clone.querySelectorAll('*');
    for (let i = 0; i < src.length; i++) {
      const cs = getComputedStyle(src[i]);
      ['fill', 'stroke', 'opacity', 'fill-opacity', 'stroke-width', 'stroke-dasharray', 'font-size', 'font-family'].forEach(function (p) {
        const v = cs.getPropertyValue(p);
        if (v) dst[i].setAttribute(p, v);
      });
      dst[i].removeAttribute('class');
      dst[i].removeAttribute('tabindex');
    }
    const bg = sv('rect', { x: 0, y: 0, width: '100%', height: '100%', fill: getComputedStyle(document.body).backgroundColor || '#fff' });
    clone.insertBefore(bg, clone.firstChild);
    const text = new XMLSerializer().serializeToString(clone);
    if (typeof acquireVsCodeApi === 'function') {
      post({ type: 'exportSvg', svg: text });
      return;
    }
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
    a.download = 'execution-model.svg';
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  // ---- controls ----
  $('play').addEventListener('click', function () { if (ui.playing) stop(); else play(); });
  $('step').addEventListener('click', stepOnce);
  $('restart').addEventListener('click', function () { stop(); setPlayhead(0); persist(); });
  $('speed').addEventListener('change', function () { ui.speed = num(parseFloat($('speed').value), 1); persist(); });
  $('speed').value = String(ui.speed);
  $('zoomIn').addEventListener('click', function () { ui.zoom = Math.min(64, ui.zoom * 2); render(); persist(); });
  $('zoomOut').addEventListener('click', function () { ui.zoom = Math.max(0.25, ui.zoom / 2); render(); persist(); });
  $('tableToggle').addEventListener('click', function () {
    ui.table = !ui.table;
    $('tableToggle').setAttribute('aria-pressed', String(ui.table));
    if (ui.table) renderTables();
    else blocks.forEach(function (b) { b.tableHost.replaceChildren(); });
    persist();
  });
  $('tableToggle').setAttribute('aria-pressed', String(ui.table));
  $('export').addEventListener('click', exportSvg);
  $('entry').addEventListener('change', function () {
    stop();
    ui.playhead = Infinity;
    post({ type: 'select', entry: $('entry').value });
  });
  function sendArrivals() {
    const count = Math.max(1, Math.min(50, Math.round(num(parseFloat($('arrivals').value), 1))));
    const spacingMs = Math.max(0, Math.round(num(parseFloat($('spacing').value), 0)));
    $('arrivals').value = String(count);
    post({ type: 'arrivals', count: count, spacingMs: spacingMs });
  }
  $('arrivals').addEventListener('change', sendArrivals);
  $('spacing').addEventListener('change', sendArrivals);
  $('view').addEventListener('change', function () { ui.view = $('view').value; stop(); ui.playhead = Infinity; render(); persist(); });
  let resizeTimer = 0;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { if (data) render(); }, 150);
  });

  if (saved.data && saved.data.timeline) {
    data = saved.data;
    render();
  } else render();
  post({ type: 'ready' });
})();
