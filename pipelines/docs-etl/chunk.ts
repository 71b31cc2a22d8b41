import type { MarkdownSection } from './markdown-sections';

/**
 * Sections to chunks of bounded size, by heading first: a section that fits
 * is one chunk; a longer one is cut into windows of `size` characters that
 * overlap by `overlap` characters, each cut moved back to the last whitespace
 * in the window's second half so words are not split. Sizes are in
 * characters (UTF-16 code units), not model tokens: the lexical embedder has
 * no tokenizer of its own to agree with, and characters are what the team's
 * 500/100 defaults were given in. Every chunk starts with its heading trail
 * so it reads, and embeds, with its context.
 */

/** How to cut. */
export interface ChunkOptions {
  /** Largest chunk body, in characters. @default 500 */
  readonly size?: number;
  /** Characters repeated from the end of one window at the start of the next. @default 100 */
  readonly overlap?: number;
}

/** One chunk of one document. */
export interface Chunk {
  /** `<documentId>#<ordinal>`, ordinal from 0 in page order: stable while the page is unchanged. */
  readonly id: string;
  /** The document (repository path) it comes from. */
  readonly documentId: string;
  /** Position in the page, from 0. */
  readonly ordinal: number;
  /** Heading trail joined with ` > ` (`Guide > Install`); `''` before the first heading. */
  readonly heading: string;
  /** Heading trail line, blank line, then the body window. */
  readonly text: string;
}

/** Cuts `text` into windows of at most `size` characters overlapping by `overlap`. */
export function windows(text: string, size: number, overlap: number): string[] {
  if (text.length <= size) return [text];
  const out: string[] = [];
  let start = 0;
  for (;;) {
    let end = Math.min(start + size, text.length);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      const newline = text.lastIndexOf('\n', end);
      const cut = Math.max(space, newline);
      if (cut > start + size / 2) end = cut;
    }
    out.push(text.slice(start, end).trim());
    if (end >= text.length) return out;
    start = Math.max(end - overlap, start + 1);
  }
}

/**
 * Chunks the sections of document `documentId`.
 * @throws RangeError when `size` is not a positive integer or `overlap` is not in [0, size).
 */
export function chunkSections(documentId: string, sections: readonly MarkdownSection[], options: ChunkOptions = {}): Chunk[] {
  const size = options.size ?? 500;
  const overlap = options.overlap ?? 100;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`Expected \`size\` to be an integer >= 1, got \`${size}\``);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= size) throw new RangeError(`Expected \`overlap\` to be an integer in [0, ${size}), got \`${overlap}\``);
  const chunks: Chunk[] = [];
  for (const section of sections) {
    const heading = section.headings.join(' > ');
    const bodies = section.text === '' ? [''] : windows(section.text, size, overlap);
    for (const body of bodies) {
      const ordinal = chunks.length;
      const text = heading === '' ? body : body === '' ? heading : `${heading}\n\n${body}`;
      chunks.push({ id: `${documentId}#${ordinal}`, documentId, ordinal, heading, text });
    }
  }
  return chunks;
}
