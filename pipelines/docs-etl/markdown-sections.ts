import { lexer, type Token, type Tokens } from 'marked';

/**
 * Markdown to sections by heading, with marked's lexer: each heading opens a
 * section that runs to the next heading of any depth; text before the first
 * heading is a section with an empty heading. A section's text is the raw
 * markdown of its block tokens (code, lists and tables kept as written), so
 * chunks quote the page as it reads. This is the only module that imports
 * marked (ESM-only, loaded through Node's `require` of ES modules).
 */

/** One section of a page. */
export interface MarkdownSection {
  /** Headings from the page's top to this one (`['Guide', 'Install']`); empty before the first heading. */
  readonly headings: readonly string[];
  /** Depth of this section's heading, 1 to 6; 0 before the first heading. */
  readonly depth: number;
  /** Markdown of the blocks under the heading, heading line excluded, trimmed. */
  readonly text: string;
}

/** Splits `markdown` into sections; sections with neither heading nor text are dropped. */
export function parseSections(markdown: string): MarkdownSection[] {
  const sections: MarkdownSection[] = [];
  let trail: { depth: number; text: string }[] = [];
  let depth = 0;
  let body: string[] = [];
  const close = (): void => {
    const text = body.join('').trim();
    if (depth > 0 || text !== '') sections.push({ headings: trail.map((h) => h.text), depth, text });
  };
  for (const token of lexer(markdown) as Token[]) {
    if (token.type === 'heading') {
      close();
      const heading = token as Tokens.Heading;
      trail = [...trail.filter((h) => h.depth < heading.depth), { depth: heading.depth, text: heading.text.trim() }];
      depth = heading.depth;
      body = [];
    } else {
      body.push(token.raw);
    }
  }
  close();
  return sections;
}
