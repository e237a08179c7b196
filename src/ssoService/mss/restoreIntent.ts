/**
 * A master secret restore's intent in SSODB (gi_SwitchingMsids, see ssodb/publishedSecrets.ts):
 * written by the active node, under its lease, before the restore counts the rows it would strand,
 * so that no save under a secret the restore drops lands after that count. Its publication clears
 * it in the same statement that names the restored secrets (SecretAuthority.publish). A restore
 * that fails or is refused before its vault switched withdraws it here; a withdrawal that fails is
 * logged and tried again by the periodic resume while this node stays active. An intent left by a
 * node that crashed or lost the lease meanwhile is cleared by the next node that activates (each
 * activation publishes): no node but the lease holder writes it, and only inside a restore.
 */
import { switchingMsidsText } from '../ssodb/publishedSecrets';

/** A fenced write of gi_SwitchingMsids (null clears it), under this node's lease. */
type WriteIntent = (switchingMsids: string | null) => Promise<void>;

export class RestoreIntent {
  /** Written by this node and not known to be cleared since. */
  private left = false;

  constructor(
    private readonly write: WriteIntent,
    private readonly log: (message: string) => void,
  ) {}

  /** From now until the publication, values are written only under `msids` (the restored current and previous). */
  async declare(msids: readonly string[]): Promise<void> {
    this.left = true;
    await this.write(switchingMsidsText(msids));
  }

  /** Best effort: a failure is logged, and `leftBehind` stays true for the periodic resume to try again. */
  async withdraw(): Promise<void> {
    try {
      await this.write(null);
      this.left = false;
    } catch (err) {
      this.log(
        `the master secret restore's intent could not be cleared in SSODB (${err instanceof Error ? err.message : String(err)}): saves under secrets other than the ones it names are refused until it is; this node tries again every few seconds, and a node that activates clears it`,
      );
    }
  }

  /** The publication cleared it. */
  cleared(): void {
    this.left = false;
  }

  get leftBehind(): boolean {
    return this.left;
  }
}
