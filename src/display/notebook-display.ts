import * as path from 'node:path';
import type { Rendered } from './html';

/**
 * The one module that talks to tslab. Inside a tslab kernel, content is shown
 * as HTML (and live displays update in place through `update_display_data`);
 * anywhere else the same calls write plain text, so the CLI, the tests and the
 * notebook share one code path.
 */

/** Where plain text goes outside a kernel. */
export type TextSink = (text: string) => void;

/** tslab's display API, as far as dagbook uses it. */
interface TslabDisplay {
  html(s: string): void;
  text(s: string): void;
}

interface TslabModule {
  display: TslabDisplay;
  newDisplay(): TslabDisplay;
}

const defaultSink: TextSink = (text) => {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
};

/**
 * The tslab module when this process is a tslab kernel that is ready to
 * display, else undefined. tslab is only looked up when the kernel has
 * already loaded it, so the CLI never pays for loading it. It is taken from
 * the files the kernel loaded, not resolved from dagbook's folder: a kernel
 * may run a tslab installed elsewhere than the one beside dagbook (or none
 * is), and only the kernel's own copy is connected to Jupyter. Two copies
 * may be loaded: tslab's command hands over to the tslab installed in the
 * notebook's project when there is one, so the copy it started from is
 * loaded too but never executes a cell; the connected one is the copy whose
 * `lastWriteDisplayData` is set.
 */
function kernelTslab(): TslabModule | undefined {
  for (const file of Object.keys(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file)) continue;
    try {
      const jupyter = require(file) as { lastWriteDisplayData: unknown };
      if (jupyter.lastWriteDisplayData != null) return require(path.join(path.dirname(file), 'public.js')) as TslabModule;
    } catch {
      // not a usable copy: try the next one
    }
  }
  return undefined;
}

/** True inside a tslab kernel that can display rich output. */
export function inNotebook(): boolean {
  return kernelTslab() !== undefined;
}

/** Shows content: HTML in a notebook, plain text elsewhere. */
export function show(content: Rendered, sink: TextSink = defaultSink): void {
  const tslab = kernelTslab();
  if (tslab) tslab.display.html(content.html);
  else sink(content.text);
}

/** A display that is replaced in place on each update (live progress). */
export interface LiveDisplay {
  /** Replaces what the display shows. */
  update(content: Rendered): void;
}

/**
 * A live display: in a notebook, one output area updated in place; elsewhere,
 * each update is written as text (callers throttle).
 */
export function newLiveDisplay(sink: TextSink = defaultSink): LiveDisplay {
  const tslab = kernelTslab();
  if (tslab) {
    const display = tslab.newDisplay();
    return { update: (content) => display.html(content.html) };
  }
  return { update: (content) => sink(content.text) };
}
