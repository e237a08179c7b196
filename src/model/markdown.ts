/**
 * Escaping of names (applications, environments, contacts) put into Markdown tooltips and
 * messages, so that a name cannot inject links or formatting.
 * No `vscode` import: unit-tested with node:test.
 */

export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~$]/g, '\\$&').replace(/\r?\n/g, ' ');
}
