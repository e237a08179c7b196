/**
 * A tree item's `contextValue` as a list of facts, `type=application,kind=adapter,enabled=true`,
 * matched in package.json by regular expressions (`viewItem =~ /^type=application,.*\benabled=true\b/`),
 * as vscode-mssql does: a menu asks only for the facts it depends on, so a new fact about a
 * node does not break the menus that ignore it. No `vscode` import: unit-tested against the manifest.
 */

type NodeType = 'environment' | 'group' | 'adapter' | 'application' | 'configuration' | 'page' | 'loadMore' | 'error' | 'message';

type NodeFacts = Record<string, string | number | boolean>;

/** `type` first, then the facts in the order given. */
export function contextValue(type: NodeType, facts: NodeFacts = {}): string {
  return [`type=${type}`, ...Object.entries(facts).map(([key, value]) => `${key}=${String(value)}`)].join(',');
}
