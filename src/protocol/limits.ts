/**
 * Request limits of the service protocol: what a client may send, checked by the service at its
 * boundary (src/ssoService/rpc/validate.ts) and known to clients so they never ask for more.
 */
import { NAME_MAX_LENGTH } from './names';

export const LIMITS = {
  nameLength: NAME_MAX_LENGTH,
  descriptionLength: 1024,
  fieldCount: 256,
  valueLength: 256 * 1024,
  pageSize: 1000,
  // A filter longer than any name cannot match.
  filterLength: NAME_MAX_LENGTH,
} as const;
