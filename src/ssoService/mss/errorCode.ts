/**
 * What went wrong, by its code only (Node's, OpenSSL's or an SsoError's): an error's message may
 * quote bytes a peer sent or SQL Server's text, and is not the log's to repeat.
 */
export function errorCodeOf(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(code)) return code;
  return err instanceof Error ? err.name : 'unknown error';
}
