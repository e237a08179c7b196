/**
 * The channel between SSO services and the master secret server: JSON lines over mutual TLS
 * with certificates of the environment's private CA. It is the only place a master secret
 * travels, and only to holders of a CA-issued client certificate. The MSS also pushes
 * `{ "event": "changed" }` to connected services when the secret or re-encryption state
 * changes, so that they re-synchronise at once instead of at their next interval.
 */
import type { Base64File, ReencryptProgress } from '../../protocol/messages';
import { makeMasterSecret, type MasterSecret } from '../crypto/masterSecret';
import type { CertificateRole } from '../crypto/pki';
import type { RestoreRecord } from './unpublishedRestore';

interface WireSecret {
  msid: string;
  /** base64 of the 32-byte key. */
  key: string;
  createdAt: string;
}

export interface GetSecretsResult {
  current: WireSecret;
  previous?: WireSecret;
  reencrypt?: ReencryptProgress;
  /** The name under which this node serves (host:port). */
  server: string;
  /**
   * This node's restore whose publication in SSODB failed (secret ids only), for standbys to keep
   * (see unpublishedRestore.ts). Absent from nodes of earlier versions: read as no record.
   */
  unpublishedRestore?: RestoreRecord;
}

/** A getSecrets answer as a service or a standby node keeps it: the secrets decoded from the wire. */
export interface SecretsFromMss {
  current: MasterSecret;
  previous?: MasterSecret;
  reencrypt?: ReencryptProgress;
  /** Validated on receipt: anything but a well-formed record is undefined. */
  unpublishedRestore?: RestoreRecord;
}

/** Every MSS operation with its parameters and result. */
export interface MssOps {
  getSecrets: { params: Record<string, never>; result: GetSecretsResult };
  /** `confirmWrite`: recorded at backupWritten, not now (an older MSS ignores it and records now). */
  backup: { params: { password: string; reminder: string; confirmWrite?: boolean }; result: { file: Base64File; msids: string[] } };
  /** The backup with these secrets is on disk (the caller wrote it): record the time if it holds the current one. */
  backupWritten: { params: { msids: string[] }; result: { recorded: boolean } };
  verify: { params: { file: Base64File; password: string }; result: { matchesLiveSecret: boolean; msids: string[]; verifiedAt?: string } };
  restore: { params: { file: Base64File; password: string; allowForeignEnvironment?: boolean }; result: { msid: string } };
  prepareRotation: { params: { password: string; reminder: string }; result: { file: Base64File; newMsid: string } };
  commitRotation: { params: { newMsid: string }; result: { msid: string; rowsToReencrypt: number } };
  /** Any node, active or not: its role as it sees it. */
  nodeStatus: { params: Record<string, never>; result: { name: string; role: 'active' | 'standby'; holdsSecret: boolean; msid?: string } };
  /** The active node gives the lease up and stays standby for a while. */
  demote: { params: Record<string, never>; result: { name: string; role: 'active' | 'standby' } };
  /** Ask this node to take over now: the active node is asked to demote first. */
  promote: { params: Record<string, never>; result: { name: string; role: 'active' | 'standby' } };
}

/** Operations a standby answers too; every other one is refused unless the node is active. */
export const ANY_ROLE_OPS: ReadonlySet<MssOp> = new Set<MssOp>(['nodeStatus', 'demote', 'promote']);

export type MssOp = keyof MssOps;

/** Every operation by name (the compiler checks that the list covers MssOps). */
const OPS: { [K in MssOp]: true } = {
  getSecrets: true,
  backup: true,
  backupWritten: true,
  verify: true,
  restore: true,
  prepareRotation: true,
  commitRotation: true,
  nodeStatus: true,
  demote: true,
  promote: true,
};
export const MSS_OP_NAMES: readonly MssOp[] = Object.keys(OPS) as MssOp[];

/**
 * What each certificate role may ask (see CertificateRole in crypto/pki). SSO services: the
 * secret, and the secret operations they relay for authenticated, audited clients. MSS nodes:
 * the secret (a standby's copy) and the active role. Neither may do the other's part.
 */
export const ROLE_OPS: Readonly<Record<CertificateRole, ReadonlySet<MssOp>>> = {
  'sso-service': new Set<MssOp>(['getSecrets', 'nodeStatus', 'backup', 'backupWritten', 'verify', 'restore', 'prepareRotation', 'commitRotation']),
  'mss-node': new Set<MssOp>(['getSecrets', 'nodeStatus', 'promote', 'demote']),
};

export interface MssRequest {
  id: number;
  op: MssOp;
  params?: unknown;
}

export interface MssResponse {
  id: number;
  result?: unknown;
  error?: { code: string; message: string };
}

export function toWire(secret: MasterSecret): WireSecret {
  return { msid: secret.msid, key: secret.key.toString('base64'), createdAt: secret.createdAt };
}

export function fromWire(wire: WireSecret): MasterSecret {
  return makeMasterSecret(wire.msid, Buffer.from(wire.key, 'base64'), wire.createdAt);
}
