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
 * Its buttons (dashboard-actions.ts) post to the actions (control-routes.ts)
 * with `fetch`, as JSON with the token as a bearer header — the page carries
 * the token in its script when it was opened with it (request-auth.ts) — and
 * the answer shows in the header (`#outcome`); the run an action starts then
 * shows up through the event stream like any other. Without the token the
 * buttons are greyed and say how to get it.
 */

/** Whether the page's buttons work: with the token they send, or off and why. */
export type PageActions = { readonly token: string } | { readonly off: string };

/** Why the buttons are off: the server has no token, or the page was not opened with it. */
export function actionsOff(serverHasToken: boolean): PageActions {
  return {
    off: serverHasToken
      ? 'Actions need the token: open the dashboard once with /?token=<token>'
      : 'Actions are off: start `dagbook serve` with --token <token> to enable them',
  };
}

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
#outcome{font-size:12.5px;margin-left:auto;max-width:60%}
#outcome.ok{color:#166534}
#outcome.failed{color:#b91c1c}
button.action{font:12px ${FONT_SANS};margin:0 2px;padding:1px 7px;border:1px solid #cbd5e1;border-radius:4px;background:#fff;color:${INK};cursor:pointer}
button.action:hover{background:#eef2ff}
body[data-actions="off"] button.action{opacity:.45;cursor:not-allowed}
.part-actions{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:13px}
.stage-control.disabled code{text-decoration:line-through;color:${MUTED}}
.stage-note{font-size:11.5px;color:${MUTED}}
.retry-failed{margin:0 0 6px}
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
  var outcome = document.getElementById('outcome');
  var token = document.body.getAttribute('data-actions') === 'on' ? JSON.parse(document.getElementById('dagbook-token').textContent) : null;
  // The token came in the address once: keep it out of the history and of a link copied from the bar.
  if (/[?&]token=/.test(location.search)) history.replaceState(null, '', location.pathname);
  function say(text, ok) { outcome.textContent = text; outcome.className = ok ? 'ok' : 'failed'; }
  function act(pipeline, button, refresh) {
    if (token === null) { say(document.body.getAttribute('data-actions-off'), false); return; }
    var action = button.getAttribute('data-action');
    var stage = button.getAttribute('data-stage');
    var p = encodeURIComponent(pipeline);
    var url, body = {}, what;
    if (action === 'run') { url = 'pipelines/' + p + '/runs'; if (stage) body.stage = stage; what = stage ? 'run of ' + stage : 'run of ' + pipeline; }
    else if (action === 'retry-failed') { url = 'pipelines/' + p + '/retry-failed'; body.stage = stage; what = 'retry of the failed items of ' + stage; }
    else if (action === 'cancel') { url = 'runs/' + p + '/' + encodeURIComponent(button.getAttribute('data-run')) + '/cancel'; what = 'cancel of ' + button.getAttribute('data-run'); }
    else if (action === 'enable') { url = 'pipelines/' + p + '/stages/' + encodeURIComponent(stage) + '/enabled'; body.enabled = button.getAttribute('data-enabled') === 'true'; what = (body.enabled ? 'enabling ' : 'disabling ') + stage; }
    else return;
    button.disabled = true;
    say(what + '…', true);
    fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (json) { return { ok: r.ok, json: json }; }); })
      .then(function (answer) {
        if (!answer.ok) { say(what + ' refused: ' + answer.json.error.message, false); return; }
        var j = answer.json;
        if (action === 'cancel') say('asked to cancel run ' + j.run_id + (j.via === 'request-file' ? ' (run by pid ' + j.pid + ')' : ''), true);
        else if (action === 'enable') say(j.stage + (j.enabled ? ' enabled' : ' disabled') + ' for the next runs', true);
        else say('started run ' + j.run_id, true);
        refresh();
      })
      .catch(function (error) { say(what + ' failed: ' + error.message, false); })
      .then(function () { button.disabled = false; });
  }
  var open = 0;
  function setLive() { live.className = open > 0 ? 'on' : 'off'; live.textContent = open > 0 ? 'live' : 'reconnecting…'; }
  document.querySelectorAll('section.pipeline').forEach(function (section) {
    var name = section.getAttribute('data-pipeline');
    var timer = null, busy = false, again = false, running = false;
    function refresh() {
      if (busy) { again = true; return; }
      busy = true;
      fetch('fragments/' + encodeURIComponent(name), { credentials: 'same-origin', headers: token === null ? {} : { authorization: 'Bearer ' + token } })
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
    section.addEventListener('click', function (e) {
      var button = e.target && e.target.closest ? e.target.closest('button.action') : null;
      if (button) act(name, button, refresh);
    });
    source.addEventListener('run', function () { running = true; schedule(); });
    source.addEventListener('run-end', function () { running = false; schedule(); });
    setInterval(function () { if (running) schedule(); }, 2000);
  });
  setLive();
})();
`;

/** The whole page; `actions` says whether its buttons work (with the token its script carries). */
export function renderDashboardPage(sections: readonly DashboardSection[], checkedAt: string, actions: PageActions): string {
  const body = sections
    .map((s) => `<section class="pipeline" id="pipeline-${escapeHtml(s.name)}" data-pipeline="${escapeHtml(s.name)}" data-updates="0">${s.html}</section>`)
    .join('');
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">' +
    '<title>dagbook dashboard</title><link rel="icon" href="data:,">' +
    `<style>${STYLE}</style></head>` +
    ('token' in actions ? '<body data-actions="on">' : `<body data-actions="off" data-actions-off="${escapeHtml(actions.off)}">`) +
    `<header><h1>dagbook</h1><span id="live" class="off">connecting…</span><span style="font-size:12.5px;color:${MUTED}">drawn ${escapeHtml(checkedAt)}</span><span id="outcome" role="status"></span></header>` +
    `<main>${body || '<p>No pipeline is served.</p>'}</main>` +
    // JSON in a data block, `<` escaped: nothing in it can end the element.
    ('token' in actions ? `<script type="application/json" id="dagbook-token">${JSON.stringify(actions.token).replace(/</g, '\\u003c')}</script>` : '') +
    `<script>${SCRIPT}</script></body></html>`
  );
}
