import { strict as assert } from 'node:assert';
import { renderHtmlDocument } from '../../src/display/html-document';

const DOC = '<!doctype html><html><head><style>td { color: "red" }</style></head><body><table><tr><td>a & b</td></tr></table></body></html>';

describe('renderHtmlDocument', () => {
  describe('when a report with its own head and style is shown', () => {
    const view = renderHtmlDocument(DOC, { path: '/srv/state/profiling/reports/profiling-report.html', href: '../state/profiling/reports/profiling-report.html' });

    it('puts the whole document, head and style kept, escaped in the srcdoc of a sandboxed, sized, scrollable frame', () => {
      const frame = /<iframe [^>]*><\/iframe>/.exec(view.html)?.[0] ?? '';
      assert.ok(frame.startsWith('<iframe sandbox="" srcdoc="&lt;!doctype html&gt;&lt;html&gt;&lt;head&gt;&lt;style&gt;td { color: &quot;red&quot; }&lt;/style&gt;&lt;/head&gt;'), frame);
      assert.ok(frame.includes('a &amp; b'));
      assert.ok(frame.includes('title="profiling-report.html"'));
      assert.ok(frame.includes('style="width:100%;height:640px;'));
      assert.ok(frame.includes('resize:vertical;overflow:auto'));
      assert.ok(!/<style>|<head>/.test(view.html.replace(/srcdoc="[^"]*"/, '')), 'nothing of the document outside the frame');
    });

    it('links the file above the frame, and says where it is as text', () => {
      assert.ok(view.html.startsWith('<div '));
      assert.ok(view.html.includes('<a href="../state/profiling/reports/profiling-report.html" target="_blank" rel="noopener">/srv/state/profiling/reports/profiling-report.html</a> (126 B) — open it full size</div><iframe'));
      assert.equal(view.text, 'HTML document written to /srv/state/profiling/reports/profiling-report.html (126 B): open it in a browser');
    });
  });

  describe('when no link target is given', () => {
    it('links the path relative to the current folder', () => {
      const view = renderHtmlDocument('<p>x</p>', { path: `${process.cwd()}/state/r.html`, heightPx: 300 });
      assert.ok(view.html.includes('<a href="state/r.html"'));
      assert.ok(view.html.includes('height:300px'));
    });
  });
});
