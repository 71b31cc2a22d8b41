import { escapeHtml, type Rendered } from '../display/html';
import { show, type TextSink } from '../display/notebook-display';

/**
 * Where the workbench's views go: to the notebook, or as plain text to the
 * sink outside it; nowhere when the workbench is quiet (its calls still
 * return their data).
 */
export class WorkbenchDisplay {
  constructor(
    private readonly options: {
      /** Where plain text goes outside a notebook; stdout when undefined. */
      readonly sink: TextSink | undefined;
      /** Show nothing. */
      readonly quiet: boolean;
    },
  ) {}

  /** True when views are shown (the workbench is not quiet). */
  get shows(): boolean {
    return !this.options.quiet;
  }

  /** Shows a view. */
  render(view: Rendered): void {
    if (!this.options.quiet) show(view, this.options.sink);
  }

  /** Shows a line of text (preformatted in a notebook). */
  text(line: string): void {
    this.render({ html: `<pre>${escapeHtml(line)}</pre>`, text: line });
  }
}
