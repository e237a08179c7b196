/**
 * What the connected backend can do, as context keys for `when` clauses: the ENTSSO bridge serves
 * only some methods (ENTSSO cannot verify a backup without restoring it, keeps no audit list, and
 * generates a secret in one step), and a command it cannot serve is hidden instead of failing.
 * No `vscode` import: unit-tested with node:test.
 */
import type { MethodName } from '../protocol/messages';

/**
 * Context key → ways of doing it (each a set of methods that must all be served; any way will do).
 * The key is true when no way is served: `when` clauses say `!entsso.cannot.…`.
 */
export const CAPABILITY_CONTEXT_KEYS: Readonly<Record<string, readonly (readonly MethodName[])[]>> = {
  'entsso.cannot.backup': [['secret.backup']],
  'entsso.cannot.verifyBackup': [['secret.inspect', 'secret.verify']],
  'entsso.cannot.restore': [['secret.inspect', 'secret.restore']],
  'entsso.cannot.generate': [['secret.prepareGenerate', 'secret.commitGenerate'], ['secret.generate']],
  'entsso.cannot.createApplication': [['apps.create']],
  'entsso.cannot.deleteApplication': [['apps.delete']],
  'entsso.cannot.enableApplication': [['apps.setEnabled']],
  'entsso.cannot.addFields': [['apps.addField']],
  'entsso.cannot.removeFields': [['apps.removeField']],
  'entsso.cannot.newConfiguration': [['config.set']],
  'entsso.cannot.deleteConfiguration': [['config.delete']],
  'entsso.cannot.export': [['apps.export']],
  'entsso.cannot.import': [['apps.inspectExport', 'apps.planImport', 'apps.import']],
  'entsso.cannot.findByValue': [['config.grep']],
  'entsso.cannot.history': [['history.list', 'history.get', 'config.set']],
  'entsso.cannot.auditLog': [['audit.list']],
};

/** Whether the backend serves `method`; `capabilities` undefined means every method (the own service). */
export function serves(capabilities: readonly string[] | undefined, method: MethodName): boolean {
  return capabilities === undefined || capabilities.includes(method);
}

/** Every capability context key with its value for these capabilities. */
export function capabilityContext(capabilities: readonly string[] | undefined): Record<string, boolean> {
  const context: Record<string, boolean> = {};
  for (const [key, ways] of Object.entries(CAPABILITY_CONTEXT_KEYS)) {
    context[key] = !ways.some((methods) => methods.every((m) => serves(capabilities, m)));
  }
  return context;
}
