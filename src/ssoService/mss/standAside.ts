/**
 * When a node that took the lease must leave it to another instead of serving (review 6, findings
 * 2 and 6; review 7, finding 2): it holds no master secret (it could not copy one), or
 * configurations are stored under a secret it lacks (another node switched and could not
 * publish). Interim until a switch records its intent in SSODB before it is made. While another
 * node was seen alive recently (SSOX_MssNodes) the node leaves the lease, for a few windows at
 * most; then, or alone, it serves, so that a backup can be restored on it. Each reason is logged once.
 */
import { SsoError } from '../../protocol/errors';
import type { SecretRowCount, SsoStore } from '../ssodb/store';

interface StandAsideOptions {
  store: Pick<SsoStore, 'getGlobalInfo' | 'listMssNodes'>;
  /** This node's name (host:port), as SSOX_MssNodes and SSODB name it. */
  readonly name: string;
  log: (message: string) => void;
  /** How recently another node must have said it is alive for this one to leave the lease to it. */
  peerAliveWindowMs?: number;
}

/** Three default lease periods (mssServer's DEFAULT_LEASE.ttlMs is 5 s); nodes record themselves every 5 s. */
const DEFAULT_PEER_ALIVE_WINDOW_MS = 15_000;

/**
 * A node that finds rows under a secret it lacks leaves the lease for at most this many windows
 * (a minute by default): standbys that all lack that secret (rows stuck under a lost one) would
 * otherwise leave it to one another for ever, with no node active to restore a backup on.
 */
const STAND_ASIDE_WINDOWS = 4;

/** The node SSODB names, lacking a secret, leaves the lease for one window at most: restores are sent to it. */
const NAMED_STAND_ASIDE_WINDOWS = 1;

export class StandAside {
  /** Why this node last left the lease to another (or took it alone) instead of serving: logged once per reason. */
  private said: string | undefined;
  /** Since when this node leaves the lease for rows under which secret (finding rows under a secret it lacks). */
  private rowsSince: { msid: string; since: number } | undefined;
  /** Since when this node, holding no secret, leaves the lease to others. */
  private withoutSecretSince: number | undefined;

  constructor(private readonly options: StandAsideOptions) {}

  /** Active now: a later loss and retake of the lease waits for peers again, and says why again. */
  activated(): void {
    this.rowsSince = undefined;
    this.said = undefined;
  }

  /**
   * A node without a secret that took the lease (it could not copy the secret: certificate,
   * network) would hold it for nothing while a node that has the secret waits: the refusal to
   * activate while another node was seen alive, for a few windows at most (the others may lack a
   * secret too: every vault lost); undefined then, or alone: it keeps the lease so that a backup
   * can be restored on it. Restores are sent to the node SSODB names: that node gives up standing
   * aside after one window, the others only after STAND_ASIDE_WINDOWS, so among nodes that all
   * lack a secret the named one ends up with the lease; one window is still left for a node that
   * holds the secret to take over.
   */
  async withoutSecret(): Promise<SsoError | undefined> {
    const { secretServer } = await this.options.store.getGlobalInfo();
    this.withoutSecretSince ??= Date.now();
    const windows = secretServer === this.options.name ? NAMED_STAND_ASIDE_WINDOWS : STAND_ASIDE_WINDOWS;
    const gaveUp = Date.now() - this.withoutSecretSince >= this.windowMs() * windows;
    const peers = gaveUp ? [] : await this.peersSeenRecently();
    if (peers.length === 0) {
      // Keeps the lease: a later loss and retake waits for a peer again.
      this.withoutSecretSince = undefined;
      return undefined;
    }
    this.sayOnce(
      `no-secret ${peers.join(',')}`,
      `this node holds no master secret, so it gives the lease up while other master secret server node(s) were seen alive in the last ${this.windowSeconds()} s (${peers.join(', ')}), for ${Math.round((this.windowMs() * windows) / 1000)} s at most; SSODB names ${secretServer ?? 'no node'} as the one that holds the secret. This node copies the secret from the active node: check that its node certificate is from this environment and that it reaches ${secretServer ?? 'the active node'}. If no node holds the secret any more, restore a backup once a node keeps the lease (the node SSODB names does, after that time)`,
    );
    return new SsoError('ENTSSO_E_NO_SECRET', `The master secret server node ${this.options.name} holds no master secret: it leaves the lease to another node.`);
  }

  /**
   * Configurations or kept versions under a secret this node lacks (`stranded`) mean another node
   * switched and could not publish; publishing this node's secret (`mine`) would make services
   * save under it while those rows stay unreadable. The refusal to activate while another node was
   * seen alive (it may hold that secret, or come back); undefined when nothing is stranded, or
   * alone (it activates so that a backup holding that secret can be restored).
   */
  async ifRowsUnderSecretsNotHeld(stranded: SecretRowCount[], mine: string): Promise<SsoError | undefined> {
    const [first] = stranded;
    if (!first) {
      this.activated();
      return undefined;
    }
    const rows = stranded.reduce((sum, c) => sum + c.rows, 0);
    const recovery = `copy the secrets from the node that holds ${first.msid} (check the certificates and the network between the nodes) or restore a backup that holds both ${first.msid} and ${mine}`;
    if (this.rowsSince?.msid !== first.msid) this.rowsSince = { msid: first.msid, since: Date.now() };
    const gaveUp = Date.now() - this.rowsSince.since >= this.windowMs() * STAND_ASIDE_WINDOWS;
    const peers = gaveUp ? [] : await this.peersSeenRecently();
    if (peers.length > 0) {
      this.sayOnce(
        `rows ${first.msid} ${peers.join(',')}`,
        `this node holds master secret ${mine} but ${rows} configuration(s) or kept version(s) are stored under ${first.msid}, which it does not hold: it gives the lease up while other master secret server node(s) were seen alive in the last ${this.windowSeconds()} s (${peers.join(', ')}), so as not to publish ${mine} over them. To let this node serve, ${recovery}`,
      );
      return new SsoError('ENTSSO_E_NO_SECRET', `The master secret server node ${this.options.name} does not hold master secret ${first.msid}, under which configurations are stored: it leaves the lease to another node.`);
    }
    const why = gaveUp
      ? `no other master secret server node took over with it in ${Math.round((Date.now() - this.rowsSince.since) / 1000)} s`
      : `no other master secret server node was seen alive in the last ${this.windowSeconds()} s`;
    this.sayOnce(
      `alone ${first.msid}`,
      `this node holds master secret ${mine} but ${rows} configuration(s) or kept version(s) are stored under ${first.msid}, which it does not hold; ${why}, so it serves ${mine} so that a backup can be restored. Those configurations stay unreadable until you ${recovery}`,
    );
    return undefined;
  }

  /** Each activation that stands aside would say the same every hold-off period: said once per reason. */
  sayOnce(reason: string, message: string): void {
    if (this.said === reason) return;
    this.said = reason;
    this.options.log(message);
  }

  /** Other nodes that recorded themselves alive (SSOX_MssNodes) within the window, by name. */
  private async peersSeenRecently(): Promise<string[]> {
    const since = Date.now() - this.windowMs();
    return (await this.options.store.listMssNodes()).filter((n) => n.name !== this.options.name && n.lastSeenAt >= since).map((n) => n.name);
  }

  private windowMs(): number {
    return this.options.peerAliveWindowMs ?? DEFAULT_PEER_ALIVE_WINDOW_MS;
  }

  private windowSeconds(): number {
    return Math.round(this.windowMs() / 1000);
  }
}
