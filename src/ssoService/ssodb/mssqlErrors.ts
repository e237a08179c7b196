/**
 * What a failure of the `mssql` driver means to the store's callers: a known outcome (a duplicate
 * key is a conflict, a missing permission says who must run sql/schema.sql) or the database
 * being unreachable. The driver's own message is never copied (it can quote a key's value).
 */
import { SsoError } from '../../protocol/errors';
import { cleartextLoginRefusal } from './cleartextLoginGuard';
import { azureIdentityMissing } from './sqlServerConnection';

/** SQL Server's error number, wherever the driver put it. */
export function driverErrorNumber(error: unknown): number | undefined {
  const e = error as { number?: unknown; originalError?: { number?: unknown; info?: { number?: unknown } } } | null;
  const candidates = [e?.number, e?.originalError?.info?.number, e?.originalError?.number];
  const found = candidates.find((value) => typeof value === 'number');
  return typeof found === 'number' ? found : undefined;
}

export function isDuplicateKey(error: unknown): boolean {
  const number = driverErrorNumber(error);
  return number === 2627 || number === 2601;
}

export function notInitialised(): SsoError {
  return new SsoError('ENTSSO_E_SSODB_UNREACHABLE', 'The SSO database has no global information row; run sql/schema.sql or start the service once with rights to create it.');
}

/**
 * CREATE TABLE / SEQUENCE / INDEX permission denied in the database, or on the schema; 4902: ALTER
 * TABLE without the permission ("cannot find the object … or you do not have permissions"), when a
 * new version adds a column to a database whose login holds only data rights.
 */
const SCHEMA_PERMISSION_ERRORS = new Set([262, 229, 2760, 15151, 1088, 4902]);

/** The login may not create the schema: someone who may has to run sql/schema.sql. */
export function schemaPermissionRefusal(error: unknown): SsoError | undefined {
  const number = driverErrorNumber(error);
  if (number === undefined || !SCHEMA_PERMISSION_ERRORS.has(number)) return undefined;
  return new SsoError(
    'ENTSSO_E_SSODB_UNREACHABLE',
    "The SSO service's login may not create or change the SSO database's tables (a new version may add a column). Have a database administrator run sql/schema.sql in the database (sqlcmd -S <server> -d <database> -i sql/schema.sql; it creates only what is missing), then try again.",
    { reason: 'schema-permission', number },
  );
}

const TIMEOUT_CODES = new Set(['ETIMEOUT', 'ECANCEL']);

/**
 * Every driver failure that is not a known outcome means the database cannot serve the request.
 * The driver's own message is not copied: for a duplicate key it quotes the key's value.
 */
export function toSsoError(error: unknown): SsoError {
  if (error instanceof SsoError) return error;
  const refusal = cleartextLoginRefusal(error) ?? azureIdentityMissing(error);
  if (refusal) return refusal;
  const e = error as { code?: unknown; name?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const details = { driverCode: code, number: driverErrorNumber(error), driverError: typeof e?.name === 'string' ? e.name : undefined };
  if (isDuplicateKey(error)) return new SsoError('ENTSSO_E_CONFLICT', 'The row was written by someone else at the same time. Reload and try again.', details);
  const message =
    code !== undefined && TIMEOUT_CODES.has(code)
      ? 'The SSO database (SQL Server) did not answer in time.'
      : code === 'ELOGIN'
        ? 'SQL Server refused the sign-in: a wrong user name or secret, a login without access to the database, or a database that does not exist.'
        : 'The SSO database (SQL Server) cannot be reached or refused the request.';
  return new SsoError('ENTSSO_E_SSODB_UNREACHABLE', message, details);
}
