/**
 * The path of an `sso:` document: `/<environment>/<application>/<identifier>.json`.
 * Names may hold any character, so `%` and `/` inside a name are written as `%25` and `%2F`
 * (as literal text in the path; VS Code's own URI encoding comes on top).
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
