/**
 * Escaping of names (applications, environments, contacts) put into Markdown tooltips and
 * messages, so that a name cannot inject links or formatting.
 * No `vscode` import: unit-tested with node:test.
 */

export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~$]/g, '\\$&').replace(/\r?\n/g, ' ');
}

/**
 * Text from outside put between backticks in trusted Markdown (a tooltip that may run commands): a
 * backtick would end the code span and make what follows live, links included, and a line break
 * could start a block. Backslash escapes do not work inside a code span, so both are replaced.
 */
export function inCodeSpan(text: string): string {
  return text.replace(/`/g, "'").replace(/\r?\n|\r/g, ' ');
}
