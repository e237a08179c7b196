/**
 * The channel between SSO services and the master secret server: JSON lines over mutual TLS
 * with certificates of the environment's private CA. It is the only place a master secret
 * travels, and only to holders of a CA-issued client certificate.
 */
import type { ReencryptProgress } from '../../ssoClient/protocol';
import type { MasterSecret } from '../crypto/masterSecret';

export interface WireSecret {
  msid: string;
  /** base64 of the 32-byte key. */
  key: string;
  createdAt: string;
}

export interface MssRequest {
  id: number;
  op: 'getSecrets';
}

export interface GetSecretsResult {
  current: WireSecret;
  previous?: WireSecret;
  reencrypt?: ReencryptProgress;
  /** The name under which this node serves (host:port). */
  server: string;
}

export interface MssResponse {
  id: number;
  result?: GetSecretsResult;
  error?: { code: string; message: string };
}

export function toWire(secret: MasterSecret): WireSecret {
  return { msid: secret.msid, key: secret.key.toString('base64'), createdAt: secret.createdAt };
}

export function fromWire(wire: WireSecret): MasterSecret {
  const key = Buffer.from(wire.key, 'base64');
  if (key.length !== 32 || typeof wire.msid !== 'string') throw new Error('The master secret server sent a malformed secret.');
  return { msid: wire.msid, key, createdAt: wire.createdAt };
}
