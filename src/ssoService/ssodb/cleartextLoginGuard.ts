/**
 * Makes "encrypt" mean "never log in without TLS" for SQL Server.
 *
 * Why: tedious treats `encrypt: true` as "ask for TLS", not "require it". A server, or anyone in
 * the path (the PRELOGIN exchange is cleartext), that answers "encryption not supported" is then
 * sent the LOGIN7 packet, whose password is only XOR-obfuscated. `encrypt: 'strict'` (TDS 8.0)
 * would prevent it but needs SQL Server 2022; BizTalk groups mostly run older versions.
 *
 * How: tedious connects through this connector, which connects exactly as tedious would (in
 * sequence, or in parallel for MultiSubnetFailover) and watches the raw socket until it can
 * decide, once:
 * - TDS 7.x sends PRELOGIN packets first (type 0x12), the TLS handshake included (wrapped in
 *   PRELOGIN packets): they pass;
 * - the first write that is not a PRELOGIN packet decides. A TLS record (content type 0x14–0x17)
 *   means TLS is up: the socket is left alone from then on (later writes are pieces of TLS
 *   records whose first byte can be anything). Anything else, a cleartext LOGIN7 (0x10) above
 *   all, is refused: the socket is destroyed and the password never leaves the process.
 */
import type * as Mssql from 'mssql';
import type * as net from 'node:net';
import { SsoError } from '../../protocol/errors';

const TDS_PRELOGIN = 0x12;
const TLS_CONTENT_TYPES = new Set([0x14, 0x15, 0x16, 0x17]);

type Connect = (options: { host: string; port: number; localAddress?: string }, lookup: unknown, signal: AbortSignal) => Promise<net.Socket>;

/** The error the socket is destroyed with; found again in the driver's error chain. */
export class CleartextLoginRefused extends Error {
  constructor() {
    super('The server did not agree to encrypt the connection, so the login was not sent.');
  }
}

/** A tedious `connector` that refuses to send a login without TLS. */
export function cleartextLoginGuard(options: { multiSubnetFailover?: boolean } = {}): Connect {
  return async (connectOptions, lookup, signal) => {
    // tedious's own ways of connecting (every address of the name), then the guard. The module
    // path is tedious's (checked with tedious 19); a later major version is caught by the
    // reliability test of this guard.
    const connector = require('tedious/lib/connector') as { connectInSequence: Connect; connectInParallel: Connect };
    const connect = options.multiSubnetFailover ? connector.connectInParallel : connector.connectInSequence;
    return guardSocket(await connect(connectOptions, lookup, signal));
  };
}

export function guardSocket(socket: net.Socket): net.Socket {
  const write = socket.write;
  socket.write = function guardedWrite(this: net.Socket, chunk: unknown, ...rest: unknown[]): boolean {
    const type = chunk instanceof Uint8Array ? chunk[0] : undefined;
    if (type !== TDS_PRELOGIN) {
      if (type === undefined || !TLS_CONTENT_TYPES.has(type)) {
        socket.destroy(new CleartextLoginRefused());
        return false;
      }
      socket.write = write; // TLS is up: nothing more to watch
    }
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as net.Socket['write'];
  return socket;
}

/** The typed error for a driver failure caused by the guard, if it was. */
export function cleartextLoginRefusal(error: unknown): SsoError | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 6; depth++) {
    if (e instanceof CleartextLoginRefused) {
      return new SsoError(
        'ENTSSO_E_SSODB_UNREACHABLE',
        'The SQL Server did not agree to encrypt the connection, so the login (with its password) was not sent. ' +
          'Enable encryption on the server (a certificate, or Force Encryption), or, on a trusted network only, add encrypt=false to the SSODB URL.',
        { reason: 'encryption-refused' },
      );
    }
    const next = e as { cause?: unknown; originalError?: unknown };
    e = next.cause ?? next.originalError;
  }
  return undefined;
}

/**
 * Where encryption is asked for, it is also required (see cleartextLoginGuard). mssql asks for it
 * unless told `encrypt=false`, so a connection string that does not mention it is guarded too.
 */
export function withLoginGuard(options: NonNullable<Mssql.config['options']>): NonNullable<Mssql.config['options']> {
  if (options.encrypt === false) return options;
  const connector = cleartextLoginGuard({ multiSubnetFailover: options.multiSubnetFailover === true });
  return { ...options, encrypt: options.encrypt ?? true, connector } as NonNullable<Mssql.config['options']>;
}
