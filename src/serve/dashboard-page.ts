import { escapeHtml } from '../display/html';
import { FONT_SANS, INK, MUTED } from '../display/palette';

/**
 * The dashboard page (`GET /`): every pipeline's fragment (dashboard-
 * fragment.ts) drawn once on the server, then kept current without reloading:
 * the page listens to each pipeline's event stream (`EventSource` on
 * `/pipelines/<name>/events`) and, when a run begins, sends an event or
 * ends, fetches the pipeline's fragment again (`/fragments/<name>`, at most
 * every 400 ms) and swaps it in; while a run goes on it does so every 2 s
 * too, so elapsed times move. Everything is inline — no stylesheet, script or
 * font from elsewhere — so it works on a machine without internet.
 *
 * Interactive control (run a stage, cancel a run, retry failed items) is not
 * here yet: it belongs in a `control-routes.ts` beside the read routes,
 * behind the token (request-auth.ts already refuses writes without one), with
 * buttons in the fragments posting to it.
 */

/** A pipeline's fragment as first drawn. */
export interface DashboardSection {
  readonly name: string;
  readonly html: string;
}

const STYLE = `
body{margin:0;background:#f6f7f9;font-family:${FONT_SANS};color:${INK}}
header{display:flex;align-items:baseline;gap:12px;padding:12px 20px;background:#fff;border-bottom:1px solid #e5e7eb}
header h1{font-size:18px;margin:0}
#live{font-size:12.5px;color:${MUTED}}
#live.on::before{content:'';display:inline-block;width:8px;height:8px;border-radius:50%;background:#16a34a;margin-right:6px}
#live.off::before{content:'';display:inline-block;width:8px;height:8px;border-radius:50%;background:#dc2626;margin-right:6px}
main{padding:8px 20px 40px}
section.pipeline{margin:12px 0 28px}
h2.pipeline-name{font-size:16px;margin:8px 0 2px;font-family:ui-monospace,monospace}
.pipeline-line{font-size:13px;color:${MUTED};margin-bottom:6px}
.problem{color:#b91c1c;font-size:13px}
.part{margin:6px 0}
`;

const SCRIPT = `
(function () {
  var live = document.getElementById('live');
  var open = 0;
  function setLive() { live.className = open > 0 ? 'on' : 'off'; live.textContent = open > 0 ? 'live' : 'reconnecting…'; }
  document.querySelectorAll('section.pipeline').forEach(function (section) {
    var name = section.getAttribute('data-pipeline');
    var timer = null, busy = false, again = false, running = false;
    function refresh() {
      if (busy) { again = true; return; }
      busy = true;
      fetch('fragments/' + encodeURIComponent(name), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(new Error('HTTP ' + r.status)); })
        .then(function (html) {
          section.innerHTML = html;
          section.setAttribute('data-updates', String(Number(section.getAttribute('data-updates') || '0') + 1));
        })
        .catch(function () { /* the next event or tick tries again */ })
        .then(function () { busy = false; if (again) { again = false; schedule(); } });
    }
    function schedule() { if (timer === null) timer = setTimeout(function () { timer = null; refresh(); }, 400); }
    var source = new EventSource('pipelines/' + encodeURIComponent(name) + '/events');
    source.onopen = function () { open++; setLive(); };
    source.onerror = function () { open = Math.max(0, open - 1); setLive(); };
    source.onmessage = schedule;
    source.addEventListener('run', function () { running = true; schedule(); });
    source.addEventListener('run-end', function () { running = false; schedule(); });
    setInterval(function () { if (running) schedule(); }, 2000);
  });
  setLive();
})();
`;

/** The whole page. */
export function renderDashboardPage(sections: readonly DashboardSection[], checkedAt: string): string {
  const body = sections
    .map((s) => `<section class="pipeline" id="pipeline-${escapeHtml(s.name)}" data-pipeline="${escapeHtml(s.name)}" data-updates="0">${s.html}</section>`)
    .join('');
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">' +
    '<title>dagbook dashboard</title><link rel="icon" href="data:,">' +
    `<style>${STYLE}</style></head><body>` +
    `<header><h1>dagbook</h1><span id="live" class="off">connecting…</span><span style="font-size:12.5px;color:${MUTED}">drawn ${escapeHtml(checkedAt)}</span></header>` +
    `<main>${body || '<p>No pipeline is served.</p>'}</main>` +
    `<script>${SCRIPT}</script></body></html>`
  );
}
