import { strict as assert } from 'node:assert';
import { escapeHtml, renderTable } from '../../src/display/html';

const TH = 'padding:4px 10px;border-bottom:1px solid #d1d5db;font-weight:600;font-size:11.5px;color:#6b7280;text-transform:uppercase;letter-spacing:.03em;white-space:nowrap';
const TD = 'padding:4px 10px;border-bottom:1px solid #e5e7eb;vertical-align:middle;';
const MONO = "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono','Liberation Mono',monospace;font-size:12px;";
const TABLE =
  "<table class=\"dagbook-table\" style=\"border-collapse:collapse;font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;font-size:13px;color:#1f2937;margin:8px 0 4px\">";

describe('escapeHtml', () => {
  describe('when text has markup characters', () => {
    it('escapes all five', () => {
      assert.equal(escapeHtml(`<a href="x">Tom & Jerry's</a>`), '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;');
    });
  });
});

describe('renderTable', () => {
  describe('when columns are described and cells have HTML forms', () => {
    const table = renderTable(
      [{ title: 'stage', mono: true }, { title: 'took', align: 'right' }, { title: 'note', nowrap: false }],
      [['a<b', { text: '1.4 s', html: '<b>1.4 s</b>' }, null]],
      { caption: 'Plan', footnote: 'showing 1 of 3 rows' },
    );

    it('renders the exact HTML: caption, headers, escaped text, ready-made HTML, footnote', () => {
      assert.equal(
        table.html,
        TABLE +
          '<caption style="text-align:left;font-weight:600;padding:0 0 6px 2px">Plan</caption>' +
          `<thead><tr><th style="text-align:left;${TH}">stage</th><th style="text-align:right;${TH}">took</th><th style="text-align:left;${TH}">note</th></tr></thead>` +
          `<tbody><tr><td style="text-align:left;${TD}${MONO}white-space:nowrap;">a&lt;b</td><td style="text-align:right;${TD}white-space:nowrap;"><b>1.4 s</b></td><td style="text-align:left;${TD}"></td></tr></tbody></table>` +
          '<div class="dagbook-table-note" style="color:#6b7280;font-size:12px;padding:2px 2px 0">showing 1 of 3 rows</div>',
      );
    });

    it('renders the text twin aligned, right-aligned columns padded on the left', () => {
      assert.equal(table.text, 'Plan\nstage   took  note\n-----  -----  ----\na<b    1.4 s\nshowing 1 of 3 rows');
    });
  });

  describe('when columns are given as titles and the caption as a string', () => {
    it('aligns numeric columns right in HTML, and keeps the text twin left-aligned', () => {
      const table = renderTable(['stage', 'rows', 'action'], [['typing', 1200, 'run <new>'], ['import', '35', 'skip'], ['report', null, '12']], 'plan');
      assert.equal(table.text, 'plan\nstage   rows  action\n------  ----  ---------\ntyping  1200  run <new>\nimport  35    skip\nreport        12');
      assert.deepEqual(table.html.match(/<th style="text-align:\w+/g), ['<th style="text-align:left', '<th style="text-align:right', '<th style="text-align:left']);
      assert.ok(table.html.includes('>run &lt;new&gt;</td>'));
      assert.equal((table.html.match(/<tr>/g) ?? []).length, 4);
    });
  });

  describe('when there are no rows', () => {
    it('renders the headers only', () => {
      const table = renderTable(['a', 'bb'], []);
      assert.equal(table.text, 'a  bb\n-  --');
      assert.ok(table.html.endsWith('<tbody></tbody></table>'));
    });
  });
});
