/**
 * The path of an `sso:` document: `/<environment>/<application>/<identifier>.json`.
 * Names may hold any character, so `%` and `/` inside a name are written as `%25` and `%2F`
 * (as literal text in the path; VS Code's own URI encoding comes on top).
 *
 * VS Code 1.100 takes tab titles, their descriptions and breadcrumbs from the path alone (label
 * formatters are a proposed API, not open to published extensions). So a document whose names are
 * GUIDs is opened under a path of the names people know ("SFTP adapter: send ports"), and its real
 * names ride in the query (`app=…&id=…`), which parse prefers. Paths without them (older URIs,
 * Find results) keep opening as before.
 * No `vscode` import: unit-tested with node:test.
 */

export const SSO_SCHEME = 'sso';
const DOCUMENT_EXTENSION = '.json';

interface SsoPath {
  environment: string;
  application?: string;
  identifier?: string;
}

function encodeSegment(name: string): string {
  return name.replace(/%/g, '%25').replace(/\//g, '%2F');
}

function decodeSegment(segment: string): string {
  return segment.replace(/%2F/gi, '/').replace(/%25/g, '%');
}

/** The path of a configuration document (or of an application / environment folder). */
export function formatSsoPath(environment: string, application?: string, identifier?: string): string {
  let path = `/${encodeSegment(environment)}`;
  if (application !== undefined) {
    path += `/${encodeSegment(application)}`;
    if (identifier !== undefined) path += `/${encodeSegment(identifier)}${DOCUMENT_EXTENSION}`;
  }
  return path;
}

/** Parses a path made by formatSsoPath; undefined when it is not one. */
export function parseSsoPath(path: string): SsoPath | undefined {
  const parts = path.split('/');
  if (parts[0] !== '') return undefined;
  parts.shift();
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 0 || parts.length > 3 || parts.some((p) => p === '')) return undefined;
  const [env, app, file] = parts as [string, string | undefined, string | undefined];
  if (file === undefined) {
    return app === undefined ? { environment: decodeSegment(env) } : { environment: decodeSegment(env), application: decodeSegment(app) };
  }
  if (!file.endsWith(DOCUMENT_EXTENSION) || file.length === DOCUMENT_EXTENSION.length) return undefined;
  return {
    environment: decodeSegment(env),
    application: decodeSegment(app as string),
    identifier: decodeSegment(file.slice(0, -DOCUMENT_EXTENSION.length)),
  };
}

/** The names a document is shown by when they differ from its SSO names (tab title, breadcrumbs). */
export interface DocumentLabels {
  application?: string;
  identifier?: string;
}

const APPLICATION_PARAM = 'app';
const IDENTIFIER_PARAM = 'id';
const VIEW_PARAM = 'view';

/** Path and query of a configuration document shown by `labels` (only where they differ from its SSO names). */
export function formatSsoUri(environment: string, application: string, identifier: string, labels: DocumentLabels = {}): { path: string; query: string } {
  const appLabel = usableLabel(labels.application, application);
  const idLabel = usableLabel(labels.identifier, identifier);
  const query = new URLSearchParams();
  if (appLabel !== application) query.set(APPLICATION_PARAM, application);
  if (idLabel !== identifier) query.set(IDENTIFIER_PARAM, identifier);
  return { path: formatSsoPath(environment, appLabel, idLabel), query: query.toString() };
}

/** A label that can stand in a path segment, else the SSO name itself. */
function usableLabel(label: string | undefined, name: string): string {
  const trimmed = label?.trim();
  return trimmed && trimmed !== '.' && trimmed !== '..' ? trimmed : name;
}

/** The SSO names of an `sso:` URI: those in its query when it has them, else those of its path. */
export function parseSsoUri(uri: { path: string; query: string }): SsoPath | undefined {
  const path = parseSsoPath(uri.path);
  if (!path || !uri.query) return path;
  const query = new URLSearchParams(uri.query);
  const application = query.get(APPLICATION_PARAM) ?? path.application;
  const identifier = query.get(IDENTIFIER_PARAM) ?? path.identifier;
  return { environment: path.environment, ...(application !== undefined ? { application } : {}), ...(identifier !== undefined ? { identifier } : {}) };
}

/** Whether two `sso:` URIs name the same configuration (whatever names they are shown by). */
export function sameSsoDocument(a: { path: string; query: string }, b: { path: string; query: string }): boolean {
  const pa = parseSsoUri(a);
  const pb = parseSsoUri(b);
  if (!pa || !pb || pa.identifier === undefined || pb.identifier === undefined) return false;
  return (
    pa.environment.toLowerCase() === pb.environment.toLowerCase() &&
    pa.application?.toLowerCase() === pb.application?.toLowerCase() &&
    pa.identifier === pb.identifier
  );
}

/** The query that shows a layout document's stored field instead of its key/values (the real names kept). */
export function withFieldsView(query: string): string {
  const q = new URLSearchParams(query);
  q.set(VIEW_PARAM, 'fields');
  return q.toString();
}

export function isFieldsView(query: string): boolean {
  return new URLSearchParams(query).get(VIEW_PARAM) === 'fields';
}
