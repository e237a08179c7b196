/**
 * Which application(s) a command is about: the tree node(s) it was run on, or, from the
 * palette, a quick pick of the environment's applications (loaded in pages, filtered as one
 * types). Names shown as in the explorer (GUID-named adapter applications by description).
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import type { ApplicationInfo } from '../protocol/messages';
import { applicationLabel, groupInfo, sortForDisplay } from '../model/applicationList';
import type { ExplorerNode } from '../views/applicationsTree';
import { UserFacingError } from './commandRunner';
import { narrowingPrompt, readPages } from '../model/pagedList';
import { askText, pickMany, pickOne, type PickItem } from './prompts';

/** Beyond this, the palette pick first asks for part of the name to narrow the list down. */
const MAX_LISTED = 5000;

/** What a pick may show, and whether the list was cut there. */
interface BoundedList<T> {
  items: T[];
  truncated: boolean;
}

/** The applications (matching `filter`, part of a name), at most MAX_LISTED, and whether there are more. */
async function listApplications(connection: ConnectionManager, filter: string | undefined): Promise<BoundedList<ApplicationInfo>> {
  const listed = await readPages((cursor, limit) => connection.request('apps.list', { limit, ...(filter ? { filter } : {}), ...(cursor ? { cursor } : {}) }), MAX_LISTED);
  return { items: sortForDisplay(listed.items), truncated: listed.nextCursor !== undefined };
}

/** All applications, or, when there are more than a pick can show, those matching a part of the name the user types. */
async function applicationsToPick(connection: ConnectionManager): Promise<ApplicationInfo[]> {
  let filter: string | undefined;
  for (;;) {
    const listed = await listApplications(connection, filter);
    if (!listed.truncated) return listed.items;
    filter = (await askText({
      title: vscode.l10n.t('Narrow Down the Applications'),
      prompt: narrowingPrompt('applications', MAX_LISTED, filter),
      value: filter,
      validate: (v) => (v.trim() ? undefined : vscode.l10n.t('Type part of an application name, e.g. "Contoso" or "SendPort".')),
    })).trim();
  }
}

function item(app: ApplicationInfo, picked = false): PickItem<ApplicationInfo> {
  const label = applicationLabel(app);
  const kind = groupInfo(app.kind);
  return {
    label,
    description: [label !== app.name ? app.name : '', kind.label, app.enabled ? '' : vscode.l10n.t('disabled')].filter(Boolean).join(' · '),
    picked,
    value: app,
  };
}

/** The application a tree node stands for (an application or one of its configurations). */
export function applicationOfNode(node: unknown): ApplicationInfo | undefined {
  const n = node as ExplorerNode | undefined;
  if (n && typeof n === 'object' && (n.type === 'application' || n.type === 'identifier')) return n.app;
  return undefined;
}

/** The applications a tree node stands for: an adapter's, or one application's (also from one of its configurations). */
function applicationsOfNode(node: unknown): readonly ApplicationInfo[] {
  const n = node as ExplorerNode | undefined;
  if (n && typeof n === 'object' && n.type === 'adapter') return n.applications;
  const app = applicationOfNode(node);
  return app ? [app] : [];
}

/** The node's application, or one picked from the palette (`filter` narrows the choice). */
export async function resolveApplication(
  connection: ConnectionManager,
  node: unknown,
  options: { title: string; placeHolder: string; filter?: (a: ApplicationInfo) => boolean; none?: string; active?: string },
): Promise<ApplicationInfo> {
  const fromNode = applicationOfNode(node);
  if (fromNode) return fromNode;
  const apps = (await applicationsToPick(connection)).filter(options.filter ?? (() => true));
  if (apps.length === 0) throw new UserFacingError(options.none ?? vscode.l10n.t('The SSO database holds no applications yet. Create one with "SSO: Create Application…".'));
  // Coming Back to this pick starts on the application picked before.
  const active = options.active === undefined ? undefined : apps.find((a) => a.name.toLowerCase() === options.active?.toLowerCase());
  return pickOne(apps.map((a) => item(a)), { title: options.title, placeHolder: options.placeHolder, active });
}

/** Several applications: the tree selection preselected, the rest to tick. */
export async function resolveApplications(connection: ConnectionManager, node: unknown, selection: unknown, options: { title: string; placeHolder: string }): Promise<ApplicationInfo[]> {
  const chosen = new Set<string>();
  for (const n of [node, ...(Array.isArray(selection) ? selection : [])]) {
    for (const app of applicationsOfNode(n)) chosen.add(app.name.toLowerCase());
  }
  const apps = await applicationsToPick(connection);
  if (apps.length === 0) throw new UserFacingError(vscode.l10n.t('The SSO database holds no applications to export.'));
  return pickMany(
    apps.map((a) => item(a, chosen.has(a.name.toLowerCase()))),
    options,
  );
}
