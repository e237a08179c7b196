/**
 * A loopback FAKE of the TDS protocol (7.4, no TLS), for driving `mssql`/`tedious` into faults.
 *
 * It proves driver behaviour and our error mapping, NOTHING about SQL semantics: it does not
 * parse, plan or run SQL. It logs a client in (PRELOGIN answered "encryption not supported", so
 * the client must use encrypt=false; any LOGIN7 is accepted), then answers each request as the
 * test's `reply` function says: rows or a row count, a server ERROR token, no answer at all
 * (a hung server), or a dropped socket. An ATTENTION (the client gave up waiting) is answered as
 * tedious's own tests model it: one message ending the cancelled request, then one holding the
 * DONE_ATTN acknowledgement.
 * Transactions (TM requests) are acknowledged with the ENVCHANGE tokens tedious tracks; `reply`
 * sees them too, and only its 'hang' and 'drop' answers apply to them.
 *
 * Byte layouts: MS-TDS, checked against tedious's parsers (prelogin-payload, token/*-parser,
 * metadata-parser, rpcrequest-payload, all-headers) in node_modules/tedious/lib.
 */
import net from 'node:net';

/** What the client sent. `sql` is the batch text, or sp_executesql's statement for an RPC. */
export interface TdsRequest {
  kind: 'batch' | 'rpc' | 'begin' | 'commit' | 'rollback';
  sql: string;
  inTransaction: boolean;
  /** 1 for the first connection that logged in, 2 for the next… */
  connection: number;
}

/** A column's type follows its values: integer → INT, bigint → BIGINT, string or null → NVARCHAR. */
export type TdsRow = Record<string, number | bigint | string | null>;

export type TdsReply =
  | { resultSets?: TdsRow[][]; rowCount?: number }
  /** `rollback`: the server ended the transaction too (a deadlock victim's is). */
  | { error: { number: number; message: string; state?: number; severity?: number }; rollback?: boolean }
  | 'hang'
  /** Closes the socket on receipt of the request, or after sending part of a reply. */
  | 'drop'
  | 'drop-mid-reply';

const PACKET = { BATCH: 0x01, RPC: 0x03, REPLY: 0x04, ATTENTION: 0x06, TM: 0x0e, LOGIN7: 0x10, PRELOGIN: 0x12 };
const DONE_MORE = 0x01;
const DONE_ERROR = 0x02;
const DONE_COUNT = 0x10;
const DONE_ATTN = 0x20;
const PACKET_SIZE = 4096;
/** SQL_Latin1_General_CP1_CI_AS, as SQL Server sends it. */
const COLLATION = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);

export class TdsFake {
  /** Answers every request (SQL, and TM for faults only); undefined means an empty success. */
  reply: (request: TdsRequest) => TdsReply | undefined = () => undefined;
  /** Accept TCP connections but never answer the PRELOGIN (the client's connect timeout runs out). */
  silent = false;
  /** Refuse every LOGIN7 with this server error (18456 login failed, 4060 cannot open the database…). */
  loginError: { number: number; message: string } | undefined;
  readonly requests: TdsRequest[] = [];
  logins = 0;
  /** The user name and (de-obfuscated) password of each LOGIN7: what the client signed in with. */
  readonly credentials: { user: string; password: string }[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(private server: net.Server, public port: number) {}

  static async start(port = 0): Promise<TdsFake> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    const fake = new TdsFake(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (socket) => fake.serve(socket));
    return fake;
  }

  url(query = 'encrypt=false'): string {
    return `mssql://sa:fake-password@127.0.0.1:${this.port}/SSODB?${query}`;
  }

  /** The SQL texts received so far that equal `sql`. */
  count(sql: string): number {
    return this.requests.filter((request) => request.sql === sql).length;
  }

  /** Stops listening and drops every connection (the server is gone). */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    let message: Buffer[] = [];
    let connection = 0;
    let transaction = 0;
    let hung = false;
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      // Packet header: type, status (0x01 = end of message), length (big-endian, header included), spid, id, window.
      while (pending.length >= 8 && pending.length >= pending.readUInt16BE(2)) {
        const [type, status] = [pending[0]!, pending[1]!];
        message.push(pending.subarray(8, pending.readUInt16BE(2)));
        pending = pending.subarray(pending.readUInt16BE(2));
        if ((status & 0x01) === 0) continue;
        const payload = Buffer.concat(message);
        message = [];
        if (this.silent) return;
        if (type === PACKET.PRELOGIN) send(socket, prelogin());
        else if (type === PACKET.LOGIN7) {
          connection = ++this.logins;
          this.credentials.push(loginCredentials(payload));
          send(socket, this.loginError ? Buffer.concat([errorToken({ ...this.loginError, severity: 14 }), done(0xfd, DONE_ERROR)]) : loginReply());
        } else if (type === PACKET.ATTENTION) {
          if (hung) send(socket, done(0xfd, 0));
          hung = false;
          send(socket, done(0xfd, DONE_ATTN));
        } else if (type === PACKET.TM || type === PACKET.BATCH || type === PACKET.RPC) {
          const rpc = type === PACKET.RPC;
          // A TM request, after ALL_HEADERS: 5 = begin, 7 = commit, 8 = rollback.
          const op = type === PACKET.TM ? payload.readUInt16LE(payload.readUInt32LE(0)) : 0;
          const kind = type !== PACKET.TM ? (rpc ? 'rpc' : 'batch') : op === 5 ? 'begin' : op === 7 ? 'commit' : 'rollback';
          const request: TdsRequest = { kind, sql: type === PACKET.TM ? '' : requestText(payload, rpc), inTransaction: transaction !== 0, connection };
          this.requests.push(request);
          const reply = this.reply(request) ?? {};
          // Hung: the server's transaction stays as it was (an attention does not end it).
          hung = reply === 'hang';
          if (reply === 'hang') continue;
          if (reply === 'drop' || reply === 'drop-mid-reply') {
            // Mid-reply: a header announcing 200 bytes, then 10 of them.
            if (reply === 'drop-mid-reply') socket.write(Buffer.concat([packetHeader(200, false), Buffer.alloc(10, 0x81)]));
            socket.destroy();
            return;
          }
          const last = rpc ? 0xfe : 0xfd; // DONEPROC ends an RPC's reply, DONE a batch's
          if (type === PACKET.TM) {
            const old = descriptor(transaction);
            transaction = kind === 'begin' ? this.requests.length : 0;
            const change = kind === 'begin' ? envChange(8, bVarByte(descriptor(transaction)), bVarByte()) : envChange(kind === 'commit' ? 9 : 10, bVarByte(), bVarByte(old));
            send(socket, Buffer.concat([change, done(0xfd, 0)]));
          } else if ('error' in reply) {
            const rollback = reply.rollback && transaction !== 0 ? envChange(10, bVarByte(), bVarByte(descriptor(transaction))) : Buffer.alloc(0);
            if (reply.rollback) transaction = 0;
            send(socket, Buffer.concat([errorToken(reply.error), rollback, done(last, DONE_ERROR)]));
          } else {
            const inner = rpc ? 0xff : 0xfd; // DONEINPROC inside an RPC, DONE in a batch
            const sets = (reply.resultSets ?? []).map((rows) => Buffer.concat([resultSet(rows), done(inner, DONE_MORE | DONE_COUNT, rows.length)]));
            const count = reply.rowCount === undefined ? [] : [done(inner, DONE_MORE | DONE_COUNT, reply.rowCount)];
            send(socket, Buffer.concat([...sets, ...count, done(last, 0)]));
          }
        }
      }
    });
  }
}

// ---------------------------------------------------------------- requests

/** The SQL text: a batch's payload after ALL_HEADERS; an RPC's first parameter (sp_executesql's statement). */
function requestText(payload: Buffer, rpc: boolean): string {
  let at = payload.readUInt32LE(0); // ALL_HEADERS, its own length first
  if (!rpc) return payload.subarray(at).toString('utf16le');
  at += payload.readUInt16LE(at) === 0xffff ? 4 : 2 + 2 * payload.readUInt16LE(at); // procedure id, or name
  at += 2; // option flags
  at += 1 + 2 * payload[at]!; // parameter name
  at += 1; // status flags
  if (payload[at] !== 0xe7) return ''; // NVARCHAR: type, max length, collation
  const max = payload.readUInt16LE(at + 1);
  at += 8;
  if (max !== 0xffff) return payload.subarray(at + 2, at + 2 + payload.readUInt16LE(at)).toString('utf16le');
  const chunks: Buffer[] = []; // PLP: total length, then chunks (length, bytes) up to a zero length
  for (at += 8; payload.readUInt32LE(at) !== 0; at += 4 + payload.readUInt32LE(at)) chunks.push(payload.subarray(at + 4, at + 4 + payload.readUInt32LE(at)));
  return Buffer.concat(chunks).toString('utf16le');
}

/** LOGIN7 (MS-TDS 2.2.6.4): offsets and lengths (in characters) after a 36-byte fixed part. */
function loginCredentials(payload: Buffer): { user: string; password: string } {
  const field = (at: number): Buffer => payload.subarray(payload.readUInt16LE(at), payload.readUInt16LE(at) + 2 * payload.readUInt16LE(at + 2));
  // The password is obfuscated, not encrypted: each byte's nibbles swapped, then XOR 0xA5.
  const password = Buffer.from(field(44).map((b) => ((b ^ 0xa5) >> 4) | (((b ^ 0xa5) & 0x0f) << 4)));
  return { user: field(40).toString('utf16le'), password: password.toString('utf16le') };
}

// ---------------------------------------------------------------- replies

function packetHeader(length: number, last: boolean): Buffer {
  const header = Buffer.from([PACKET.REPLY, last ? 0x01 : 0x00, 0, 0, 0, 0, 1, 0]);
  header.writeUInt16BE(length, 2);
  return header;
}

/** One message, cut into packets of PACKET_SIZE bytes. */
function send(socket: net.Socket, data: Buffer): void {
  const size = PACKET_SIZE - 8;
  for (let at = 0; at === 0 || at < data.length; at += size) {
    const body = data.subarray(at, at + size);
    socket.write(Buffer.concat([packetHeader(body.length + 8, at + size >= data.length), body]));
  }
}

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value);
  return b;
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value);
  return b;
}

const bVarChar = (text: string): Buffer => Buffer.concat([Buffer.from([text.length]), Buffer.from(text, 'utf16le')]);
const bVarByte = (bytes: Buffer = Buffer.alloc(0)): Buffer => Buffer.concat([Buffer.from([bytes.length]), bytes]);

function descriptor(transaction: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(transaction));
  return b;
}

/** A token with a 16-bit length after its type byte. */
function token(type: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([type]), u16(body.length), body]);
}

const envChange = (type: number, newValue: Buffer, oldValue: Buffer): Buffer => token(0xe3, Buffer.from([type]), newValue, oldValue);

/** DONE (0xFD), DONEPROC (0xFE) or DONEINPROC (0xFF): status, current command, 64-bit row count. */
function done(type: number, status: number, rowCount = 0): Buffer {
  const b = Buffer.alloc(13);
  b[0] = type;
  b.writeUInt16LE(status, 1);
  b.writeBigUInt64LE(BigInt(rowCount), 5);
  return b;
}

function prelogin(): Buffer {
  // Option table (token, offset BE, length BE), terminator 0xFF, then the data.
  const version = Buffer.from([16, 0, 0x07, 0xd0, 0, 0]); // 16.0.2000
  const encryption = Buffer.from([0x02]); // ENCRYPT_NOT_SUP
  const table = Buffer.alloc(11);
  table.writeUInt8(0x00, 0);
  table.writeUInt16BE(11, 1);
  table.writeUInt16BE(version.length, 3);
  table.writeUInt8(0x01, 5);
  table.writeUInt16BE(11 + version.length, 6);
  table.writeUInt16BE(encryption.length, 8);
  table.writeUInt8(0xff, 10);
  return Buffer.concat([table, version, encryption]);
}

function loginReply(): Buffer {
  const tds74 = Buffer.alloc(4);
  tds74.writeUInt32BE(0x74000004);
  return Buffer.concat([
    envChange(1, bVarChar('SSODB'), bVarChar('master')),
    envChange(7, bVarByte(COLLATION), bVarByte()),
    // interface 1 (T-SQL), TDS version, program name, server version 16.0.2000
    token(0xad, Buffer.from([1]), tds74, bVarChar('TDS fake'), Buffer.from([16, 0, 0x07, 0xd0])),
    envChange(4, bVarChar(String(PACKET_SIZE)), bVarChar(String(PACKET_SIZE))),
    done(0xfd, 0),
  ]);
}

/** ERROR: number, state, class (severity), message, server name, procedure name, line number. */
function errorToken(error: { number: number; message: string; state?: number; severity?: number }): Buffer {
  const message = Buffer.from(error.message, 'utf16le');
  return token(0xaa, u32(error.number), Buffer.from([error.state ?? 1, error.severity ?? 14]), u16(error.message.length), message, bVarChar('tdsfake'), bVarChar(''), u32(1));
}

/** COLMETADATA then one ROW per row (none for an empty list: it has no columns to describe). */
function resultSet(rows: TdsRow[]): Buffer {
  if (rows.length === 0) return Buffer.alloc(0);
  const names = Object.keys(rows[0]!);
  const kinds = names.map((name) => {
    const value = rows.map((row) => row[name]).find((v) => v !== null);
    return typeof value === 'bigint' ? 'bigint' : typeof value === 'number' ? 'int' : 'nvarchar';
  });
  // user type (4 bytes), flags (nullable), TYPE_INFO (INTN + size, or NVARCHAR + max bytes + collation), name.
  const columns = names.map((name, i) =>
    Buffer.concat([u32(0), u16(0x0001), kinds[i] === 'nvarchar' ? Buffer.concat([Buffer.from([0xe7]), u16(8000), COLLATION]) : Buffer.from([0x26, kinds[i] === 'int' ? 4 : 8]), bVarChar(name)]),
  );
  const values = rows.map((row) =>
    Buffer.concat([
      Buffer.from([0xd1]),
      ...names.map((name, i) => {
        const value = row[name];
        if (kinds[i] === 'nvarchar') return value === null || value === undefined ? u16(0xffff) : Buffer.concat([u16(Buffer.byteLength(String(value), 'utf16le')), Buffer.from(String(value), 'utf16le')]);
        if (value === null || value === undefined) return Buffer.from([0]);
        const b = Buffer.alloc(kinds[i] === 'int' ? 4 : 8);
        if (kinds[i] === 'int') b.writeInt32LE(Number(value));
        else b.writeBigInt64LE(BigInt(value));
        return Buffer.concat([Buffer.from([b.length]), b]);
      }),
    ]),
  );
  return Buffer.concat([Buffer.from([0x81]), u16(names.length), ...columns, ...values]);
}
