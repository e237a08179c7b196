/**
 * What the rpc server asks of the service behind it: a handler per method and an audit of the
 * connection's own events. The service implements it (SsoOperations); it is defined here, beside
 * the rpc server, so that the transport does not depend on the service it carries.
 */
import type { MethodName, ParamsOf, ResultOf, ServiceMethodName } from '../../protocol/messages';
import type { NewAuditEntry } from '../ssodb/store';

/** Who is calling, for the audit: the OS user the service runs as and the client's name. */
export interface CallContext {
  client: string;
}

type Handler<M extends MethodName> = (params: ParamsOf<M>, ctx: CallContext) => Promise<ResultOf<M>>;
/** hello and token.rotate concern the connection itself: the rpc server answers them. */
export type Handlers = { [M in Exclude<ServiceMethodName, 'hello' | 'token.rotate'>]: Handler<M> };

export interface RpcOperations {
  readonly handlers: Handlers;
  /** Connection events (refused hellos, token rotations); the service adds who. */
  audit(ctx: CallContext, entry: Omit<NewAuditEntry, 'user'>): Promise<void>;
}
