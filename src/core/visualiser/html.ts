// The webview's HTML shell: static markup only; media/visualiser.js renders everything from the
// messages it receives. Strict CSP: no inline script or style, nothing remote.

export interface VisualiserHtmlInput {
  /** webview.cspSource */
  cspSource: string;
  /** A fresh random nonce per render (base64/hex, no quotes). */
  nonce: string;
  /** webview.asWebviewUri(media/visualiser.js).toString() */
  scriptUri: string;
  /** webview.asWebviewUri(media/visualiser.css).toString() */
  styleUri: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return `default-src 'none'; img-src ${cspSource} data:; style-src ${cspSource}; script-src 'nonce-${nonce}';`;
}

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function renderVisualiserHtml(input: VisualiserHtmlInput): string {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(input.nonce)) throw new Error('nonce must be base64 or hex');
  const csp = contentSecurityPolicy(input.cspSource, input.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(input.styleUri)}">
<title>Execution model</title>
</head>
<body>
<header class="top">
  <div class="heading">
    <h1 id="title">Execution model</h1>
    <p class="honest" id="honest">A model, not a measurement; durations are relative unless the code states them.</p>
  </div>
  <div class="toolbar" role="toolbar" aria-label="Timeline controls">
    <label class="field">View <select id="view" aria-label="What to show"><option value="file">This file</option></select></label>
    <span class="group" role="group" aria-label="Playback">
      <button type="button" id="play" aria-label="Play">Play</button>
      <button type="button" id="step" aria-label="Step to the next change">Step</button>
      <button type="button" id="restart" aria-label="Back to the start">Restart</button>
      <label class="field">Speed <select id="speed" aria-label="Playback speed">
        <option value="0.25">¼×</option><option value="0.5">½×</option><option value="1" selected>1×</option><option value="2">2×</option><option value="4">4×</option>
      </select></label>
    </span>
    <span class="group" role="group" aria-label="Zoom">
      <button type="button" id="zoomOut" aria-label="Zoom out">−</button>
      <button type="button" id="zoomIn" aria-label="Zoom in">+</button>
    </span>
    <button type="button" id="tableToggle" aria-pressed="false">Table view</button>
    <button type="button" id="export" aria-label="Export the timeline as SVG">Export SVG</button>
  </div>
</header>
<section id="entrybar" class="entrybar" hidden aria-label="Where the model starts">
  <label class="field">Start from <select id="entry" aria-label="Entry point: where the model starts"></select></label>
  <span id="arrivalsGroup" class="group" role="group" aria-label="Arrivals">
    <label class="field">Arrivals <input id="arrivals" type="number" min="1" max="50" step="1" aria-label="How many arrivals run"></label>
    <label class="field">Spacing <select id="spacing" aria-label="Time between arrivals">
      <option value="0">all at once</option><option value="10">every 10 ms</option><option value="50">every 50 ms</option>
      <option value="100">every 100 ms</option><option value="250">every 250 ms</option><option value="1000">every 1 s</option>
    </select></label>
  </span>
  <p id="latency" class="latency" aria-live="polite" hidden></p>
</section>
<div id="empty" class="empty">Waiting for a model. Open a Python or TypeScript/JavaScript file and run “Concurrency Lens: Visualise Execution Model”.</div>
<section id="notices" class="notices" hidden aria-label="Notes"></section>
<section id="concept" class="concept" hidden></section>
<section id="legend" class="legend" aria-label="Legend"></section>
<main id="timelines" class="timelines"></main>
<section id="now" class="now" aria-live="polite"></section>
<section id="details" class="details" aria-live="polite"></section>
<section id="whatif" class="whatif" hidden></section>
<script nonce="${attr(input.nonce)}" src="${attr(input.scriptUri)}"></script>
</body>
</html>
`;
}
