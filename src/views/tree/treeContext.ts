/** What the tree's nodes read from the provider when they build their items (the loaded lists, the connection). */
import type { ConnectionManager } from '../../connection/connectionManager';
import type { ApplicationKind } from '../../protocol/messages';

export interface TreeContext {
  readonly connection: ConnectionManager;
  /** `entsso.pageSize`, bounded. */
  readonly pageSize: number;
  /** More applications exist than the pages loaded so far. */
  readonly moreApplications: boolean;
  /** How many applications of a kind are loaded. */
  applicationCount(kind: ApplicationKind): number;
}
