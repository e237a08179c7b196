/**
 * Makes `encrypt=true` mean "never log in without TLS" for SQL Server.
 *
 * Why: tedious treats `encrypt: true` as "ask for TLS", not "require it". A server, or anyone in
 * the path (the PRELOGIN exchange is cleartext), that answers "encryption not supported" is then
 * sent the LOGIN7 packet, whose password is only XOR-obfuscated. `encrypt: 'strict'` (TDS 8.0)
 * would prevent it but needs SQL Server 2022; BizTalk groups mostly run older versions.
 *
 * How: tedious connects through this connector, which connects exactly as tedious would and then
 * watches what is written on the raw socket. Before TLS, tedious writes whole TDS packets (first
 * byte: the packet type); once TLS is up, the raw socket only carries TLS records, whose first
 * byte is never 0x10. So a raw write starting with 0x10 is a cleartext LOGIN7: the socket is
 * destroyed instead, and the password never leaves the process.
 */
import type * as net from 'node:net';
import { SsoError } from '../../ssoClient/errors';

const TDS_LOGIN7 = 0x10;

type Connect = (options: { host: string; port: number; localAddress?: string }, lookup: unknown, signal: AbortSignal) => Promise<net.Socket>;

/** The error the socket is destroyed with; found again in the driver's error chain. */
export class CleartextLoginRefused extends Error {
  constructor() {
    super('The server did not agree to encrypt the connection, so the login was not sent.');
  }
}

/** A tedious `connector` that refuses to send a login without TLS. */
export function cleartextLoginGuard(): Connect {
  return async (options, lookup, signal) => {
    // tedious's own way of connecting (every address of the name, in turn), then the guard.
    const { connectInSequence } = require('tedious/lib/connector') as { connectInSequence: Connect };
    return guardSocket(await connectInSequence(options, lookup, signal));
  };
}

export function guardSocket(socket: net.Socket): net.Socket {
  const write = socket.write;
  socket.write = function guardedWrite(this: net.Socket, chunk: unknown, ...rest: unknown[]): boolean {
    if (firstByte(chunk) === TDS_LOGIN7) {
      socket.destroy(new CleartextLoginRefused());
      return false;
    }
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as net.Socket['write'];
  return socket;
}

function firstByte(chunk: unknown): number | undefined {
  if (chunk instanceof Uint8Array) return chunk[0];
  return undefined; // tedious writes bytes only; text never starts a TDS packet
}

/** The typed error for a driver failure caused by the guard, if it was. */
export function cleartextLoginRefusal(error: unknown): SsoError | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 6; depth++) {
    if (e instanceof CleartextLoginRefused) {
      return new SsoError(
        'ENTSSO_E_SSODB_UNREACHABLE',
        'The SQL Server did not agree to encrypt the connection, so the login (with its password) was not sent. ' +
          "Enable encryption on the server (a certificate, or Force Encryption), or, on a trusted network only, add encrypt=false to the SSODB URL.",
        { reason: 'encryption-refused' },
      );
    }
    const next = e as { cause?: unknown; originalError?: unknown };
    e = next.cause ?? next.originalError;
  }
  return undefined;
}
