// What one describe() of a UI test starts in before() and ends in after(): optionally a real,
// seeded SSO system, then code-server and a browser on its workbench. The parts are kept as they
// are started, so that stop() also ends what a start() that failed half-way had begun.
import { startCodeServer, type CodeServerInstance } from './codeServer';
import { startSeededSso, type SeededSso } from './ssoExtras';
import { Workbench } from './workbench';

const DEFAULT_VIEWPORT = { width: 1500, height: 950 };

export interface WorkbenchSessionOptions {
  /** code-server's name (its log file in .artifacts/logs/). */
  name: string;
  settings?: Record<string, unknown>;
  /** Extra environment for code-server and the extension host. */
  env?: Record<string, string | undefined>;
  viewport?: { width: number; height: number };
  /** Lets the page read and write the clipboard (Copy Name, Copy Path…). */
  clipboard?: boolean;
}

export interface SeededSessionOptions extends Omit<WorkbenchSessionOptions, 'settings'> {
  sso: Parameters<typeof startSeededSso>[0];
  /** Runs against the seeded system before code-server starts (more applications, values). */
  prepare?: (sso: SeededSso) => Promise<void>;
  /** code-server's settings; default: the seeded system as the active environment. */
  settings?: (sso: SeededSso) => Record<string, unknown>;
}

export class UiSession {
  sso: SeededSso | undefined;
  server: CodeServerInstance | undefined;
  wb: Workbench | undefined;

  /** `finalScreenshot`: the name of the screenshot stop() takes before it closes the browser. */
  constructor(private readonly finalScreenshot: string) {}

  async startSeeded(options: SeededSessionOptions): Promise<void> {
    const sso = await startSeededSso(options.sso);
    this.sso = sso;
    await options.prepare?.(sso);
    await this.openWorkbench({ ...options, settings: options.settings ? options.settings(sso) : sso.settings });
  }

  async openWorkbench(options: WorkbenchSessionOptions): Promise<void> {
    const server = await startCodeServer({ name: options.name, settings: options.settings, env: options.env });
    this.server = server;
    const wb = await Workbench.launch({ viewport: options.viewport ?? DEFAULT_VIEWPORT });
    this.wb = wb;
    if (options.clipboard) await wb.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
    await wb.open(server.workbenchUrl());
  }

  async stop(): Promise<void> {
    if (this.wb) {
      await this.wb.screenshot(this.finalScreenshot).catch(() => undefined);
      await this.wb.close();
    }
    await this.server?.stop();
    await this.sso?.env.dispose();
  }
}
