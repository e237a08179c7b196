/**
 * "SSO: Check Health": asks the SSO service for its health report and shows it in the Health
 * view (revealed and focused), or, when the service cannot be reached, says so there.
 * `refreshHealthIfShown` updates a view already showing a report (e.g. after a backup was
 * verified) without moving focus.
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import { SsoError } from '../protocol/errors';
import { summarizeReport, summarizeUnreachable } from '../model/healthReport';
import { stateWord } from '../model/serviceStatus';
import type { HealthViewProvider } from '../views/healthView';
import { UserFacingError, registerCommand, type CommandContext } from './commandRunner';

interface HealthCommandsContext extends CommandContext {
  readonly connection: ConnectionManager;
  readonly health: HealthViewProvider;
}

export function registerHealthCommands(ctx: HealthCommandsContext): vscode.Disposable[] {
  return [registerCommand(ctx, 'entsso.checkHealth', () => checkHealth(ctx))];
}

async function checkHealth(ctx: HealthCommandsContext): Promise<void> {
  const env = ctx.connection.environment;
  if (!env) throw new UserFacingError(vscode.l10n.t('No SSO environment is configured: connect to one first.'), [{ title: vscode.l10n.t('Connect…'), command: 'entsso.connect' }]);
  await vscode.commands.executeCommand('setContext', 'entsso.healthChecked', true);
  ctx.health.setChecking(true);
  await vscode.commands.executeCommand('entsso.health.focus');
  try {
    await vscode.window.withProgress({ location: { viewId: 'entsso.health' } }, () => loadHealth(ctx, env));
  } finally {
    ctx.health.setChecking(false);
  }
}

/** Checks again when the Health view already shows a report, without revealing or focusing it. */
export async function refreshHealthIfShown(ctx: HealthCommandsContext): Promise<void> {
  const env = ctx.connection.environment;
  if (!ctx.health.lastSummary) return;
  if (!env) {
    // The environment was removed: a report about it would mislead, so the view goes until checked again.
    ctx.health.clear();
    await vscode.commands.executeCommand('setContext', 'entsso.healthChecked', false);
    return;
  }
  await vscode.window.withProgress({ location: { viewId: 'entsso.health' } }, () => loadHealth(ctx, env));
}

/** How long a state must hold before the Health view is checked again (state pushes come in bursts). */
const STATE_SETTLE_MS = 500;

/**
 * Keeps a Health view that shows a report in step with the service's pushed state: when the state
 * changes (MSS stopped or back, secret cached, re-encryption, service unreachable), the view is
 * checked again, so that it never says "healthy" about a state that has passed.
 */
export function refreshHealthOnStateChange(ctx: HealthCommandsContext): vscode.Disposable {
  let last = stateKey(ctx.connection);
  let timer: NodeJS.Timeout | undefined;
  const subscription = ctx.connection.onDidChange(() => {
    const key = stateKey(ctx.connection);
    if (key === last) return;
    last = key;
    clearTimeout(timer);
    timer = setTimeout(() => {
      refreshHealthIfShown(ctx).catch(() => ctx.log.warn('The Health view could not be checked again after a state change.'));
    }, STATE_SETTLE_MS);
  });
  return new vscode.Disposable(() => {
    clearTimeout(timer);
    subscription.dispose();
  });
}

/** The situation in words, without progress counts (a re-encryption's progress is not a new situation). */
function stateKey(connection: ConnectionManager): string {
  const input = connection.statusInput();
  return input ? `${input.environment}|${stateWord(input).replace(/\d+/g, '#')}` : '';
}

async function loadHealth(ctx: HealthCommandsContext, env: { name: string; socketPath: string; kind?: 'entsso' }): Promise<void> {
  try {
    const report = await ctx.connection.request('health', {});
    const summary = summarizeReport(env.name, report, new Date(), { localEnvironment: ctx.connection.environment?.localDir !== undefined });
    ctx.health.show(summary);
    ctx.log.info(`Health of "${env.name}": ${summary.rows.map((r) => `${r.id}=${r.verdict}`).join(', ')}`);
  } catch (err) {
    if (err instanceof SsoError && (err.code === 'ENTSSO_E_NOT_CONNECTED' || err.code === 'ENTSSO_E_TIMEOUT' || err.code === 'ENTSSO_E_ACCESS_DENIED')) {
      ctx.health.show(summarizeUnreachable(env.name, env.socketPath, err.message, new Date(), env.kind));
      ctx.log.warn(`Health of "${env.name}": the SSO service cannot be asked (${err.code}).`);
      return;
    }
    throw err;
  }
}
