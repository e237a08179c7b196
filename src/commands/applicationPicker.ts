/**
 * Which application(s) a command is about: the tree node(s) it was run on, or, from the
 * palette, a quick pick of the environment's applications (loaded in pages, filtered as one
 * types). Names shown as in the explorer (GUID-named adapter applications by description).
 */
import type { ConnectionManager } from '../connection/connectionManager';
import type { ApplicationInfo } from '../ssoClient/protocol';
import { applicationLabel, groupInfo, sortForDisplay } from '../model/applicationList';
import type { ExplorerNode } from '../views/applicationsTree';
import { UserFacingError } from './commandRunner';
import { pickMany, pickOne, type PickItem } from './prompts';

/** Beyond this, the palette pick asks to narrow down in the explorer ("Find…") instead. */
const MAX_LISTED = 5000;
const PAGE = 1000;

export async function listApplications(connection: ConnectionManager): Promise<ApplicationInfo[]> {
  const apps: ApplicationInfo[] = [];
  let cursor: string | undefined;
  do {
    const page = await connection.request('apps.list', { limit: PAGE, ...(cursor ? { cursor } : {}) });
    apps.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && apps.length < MAX_LISTED);
  return sortForDisplay(apps);
}

function item(app: ApplicationInfo, picked = false): PickItem<ApplicationInfo> {
  const label = applicationLabel(app);
  const kind = groupInfo(app.kind);
  return {
    label,
    description: `${label !== app.name ? `${app.name} · ` : ''}${kind.label}${app.enabled ? '' : ' · disabled'}`,
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

/** The node's application, or one picked from the palette (`filter` narrows the choice). */
export async function resolveApplication(
  connection: ConnectionManager,
  node: unknown,
  options: { title: string; placeHolder: string; filter?: (a: ApplicationInfo) => boolean; none?: string },
): Promise<ApplicationInfo> {
  const fromNode = applicationOfNode(node);
  if (fromNode) return fromNode;
  const apps = (await listApplications(connection)).filter(options.filter ?? (() => true));
  if (apps.length === 0) throw new UserFacingError(options.none ?? 'The SSO database holds no applications yet. Create one with "SSO: Create Application…".');
  return pickOne(apps.map((a) => item(a)), { title: options.title, placeHolder: options.placeHolder });
}

/** Several applications: the tree selection preselected, the rest to tick. */
export async function resolveApplications(connection: ConnectionManager, node: unknown, selection: unknown, options: { title: string; placeHolder: string }): Promise<ApplicationInfo[]> {
  const chosen = new Set<string>();
  for (const n of [node, ...(Array.isArray(selection) ? selection : [])]) {
    const app = applicationOfNode(n);
    if (app) chosen.add(app.name.toLowerCase());
  }
  const apps = await listApplications(connection);
  if (apps.length === 0) throw new UserFacingError('The SSO database holds no applications to export.');
  return pickMany(
    apps.map((a) => item(a, chosen.has(a.name.toLowerCase()))),
    options,
  );
}
