/**
 * Prompts shared by the lifecycle commands: text and password input boxes that can open with a
 * message from the service (a refused password, the reason shown where it is typed again),
 * quick picks and modal confirmations. Closing any of them cancels the command (UserCancelled),
 * which the command runner treats as no error. Passwords live only in these promises: they are
 * never logged, stored or put in an error.
 */
import * as vscode from 'vscode';
import type { ConnectionManager } from '../connection/connectionManager';
import type { EnvironmentSetting } from '../connection/environmentSettings';
import { SsoError } from '../protocol/errors';
import { confirmationProblem, isWeakPasswordRefusal, isWrongPasswordRefusal, reminderProblem, reminderPromptText } from '../model/secretPrompts';
import { checkPasswordStrength } from '../protocol/passwordStrength';
import { UserCancelled, UserFacingError } from './commandRunner';
import { askWarningModal } from '../views/notifications';

/**
 * Why an answer is not accepted (yet): an error, or a hint shown as information (e.g. "keep
 * typing"); a warning is shown but does not stop Enter (e.g. "nothing listens there right now").
 */
export type Problem = string | { info: string } | { warning: string };

interface TextPrompt {
  title: string;
  prompt: string;
  value?: string;
  placeholder?: string;
  password?: boolean;
  /** Shown as an error when the box opens (e.g. why the previous answer was refused). */
  initialError?: string;
  /** Checked as the user types and again on Enter. */
  validate?: (value: string) => Problem | undefined | Promise<Problem | undefined>;
  /** A later step of a multi-step flow: shows VS Code's Back button, which throws StepBack. */
  back?: boolean;
  /** Told what was typed (not yet accepted) when Back is pressed, so that it is shown again on the way forward. */
  keepOnBack?: (typed: string) => void;
}

/** The user pressed Back in a step of a multi-step flow: the flow shows its previous step again. */
class StepBack extends Error {
  constructor() {
    super('Back to the previous step.');
    this.name = 'StepBack';
  }
}

/**
 * Runs the steps of a multi-step flow in order; Back (StepBack) in a step shows the one before,
 * with what was entered there kept by the step itself.
 */
export async function runSteps(steps: Array<() => Promise<'done' | void>>): Promise<void> {
  let i = 0;
  while (i < steps.length) {
    try {
      if ((await (steps[i] as () => Promise<'done' | void>)()) === 'done') return;
      i++;
    } catch (err) {
      if (!(err instanceof StepBack) || i === 0) throw err;
      i--;
    }
  }
}

/** An input box; resolves with what was entered, or throws UserCancelled when it is closed. */
export function askText(p: TextPrompt): Promise<string> {
  const box = vscode.window.createInputBox();
  box.title = p.title;
  box.prompt = p.prompt;
  box.value = p.value ?? '';
  box.placeholder = p.placeholder;
  box.password = p.password ?? false;
  box.ignoreFocusOut = true;
  if (p.back) box.buttons = [vscode.QuickInputButtons.Back];
  if (p.initialError) box.validationMessage = { message: p.initialError, severity: vscode.InputBoxValidationSeverity.Error };
  return new Promise<string>((resolve, reject) => {
    let done = false;
    let checking = 0;
    const check = async (value: string): Promise<Problem | undefined> => {
      const mine = ++checking;
      const problem = p.validate ? await p.validate(value) : undefined;
      if (mine === checking) box.validationMessage = validationMessage(problem);
      return problem;
    };
    const subscriptions = [
      box.onDidChangeValue((v) => void check(v)),
      box.onDidTriggerButton((b) => {
        if (b !== vscode.QuickInputButtons.Back || done) return;
        done = true;
        p.keepOnBack?.(box.value);
        reject(new StepBack());
        box.hide();
      }),
      box.onDidAccept(async () => {
        const value = box.value;
        box.busy = true;
        const problem = await check(value);
        box.busy = false;
        if ((problem && !isWarning(problem)) || done) return;
        done = true;
        resolve(value);
        box.hide();
      }),
      box.onDidHide(() => {
        for (const s of subscriptions) s.dispose();
        box.dispose();
        if (!done) {
          done = true;
          reject(new UserCancelled());
        }
      }),
    ];
    box.show();
  });
}

function isWarning(problem: Problem): problem is { warning: string } {
  return typeof problem === 'object' && 'warning' in problem;
}

function validationMessage(problem: Problem | undefined): vscode.InputBoxValidationMessage | undefined {
  if (problem === undefined) return undefined;
  if (typeof problem === 'string') return { message: problem, severity: vscode.InputBoxValidationSeverity.Error };
  if (isWarning(problem)) return { message: problem.warning, severity: vscode.InputBoxValidationSeverity.Warning };
  return { message: problem.info, severity: vscode.InputBoxValidationSeverity.Info };
}

export type PickItem<T> = vscode.QuickPickItem & { value: T };

interface PickOptions {
  title: string;
  placeHolder: string;
  /** A later step of a multi-step flow: shows VS Code's Back button, which throws StepBack. */
  back?: boolean;
  /** The item to start on: what was picked before, when the user comes Back to this step. */
  active?: unknown;
  /**
   * An item shown first but never picked, with the reason as its description (a rule in a
   * placeholder is cut off after a few words): ticking it unticks it again at once.
   */
  locked?: { label: string; reason: string };
}

/** A quick pick of one item; throws UserCancelled when it is closed, StepBack on Back. */
export async function pickOne<T>(items: PickItem<T>[], options: PickOptions): Promise<T> {
  const [picked] = await showPick(items, options, false);
  return (picked as PickItem<T>).value;
}

/** A quick pick of several items (`picked` ones preselected); throws UserCancelled when closed, StepBack on Back. */
export async function pickMany<T>(items: PickItem<T>[], options: PickOptions & { allowNone?: boolean }): Promise<T[]> {
  const picked = await showPick(items, options, true);
  if (picked.length === 0 && !options.allowNone) throw new UserFacingError(vscode.l10n.t(`Nothing was picked, so nothing was done. Run the command again and tick at least one item.`));
  return picked.map((p) => p.value);
}

function showPick<T>(items: PickItem<T>[], options: PickOptions, many: boolean): Promise<readonly PickItem<T>[]> {
  const pick = vscode.window.createQuickPick<PickItem<T> | vscode.QuickPickItem>();
  pick.title = options.title;
  pick.placeholder = options.placeHolder;
  pick.canSelectMany = many;
  pick.ignoreFocusOut = true;
  pick.matchOnDescription = true;
  if (options.back) pick.buttons = [vscode.QuickInputButtons.Back];
  const locked: vscode.QuickPickItem | undefined = options.locked && { label: `$(lock) ${options.locked.label}`, description: options.locked.reason, alwaysShow: true };
  pick.items = locked ? [locked, ...items] : items;
  if (many) pick.selectedItems = items.filter((i) => i.picked);
  const active = options.active === undefined ? undefined : items.find((i) => i.value === options.active);
  if (active) pick.activeItems = [active];
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      settle();
      pick.hide();
    };
    const subscriptions = [
      pick.onDidTriggerButton((b) => {
        if (b === vscode.QuickInputButtons.Back) finish(() => reject(new StepBack()));
      }),
      pick.onDidChangeSelection((selected) => {
        if (many && locked && selected.includes(locked)) pick.selectedItems = selected.filter((i) => i !== locked);
      }),
      pick.onDidAccept(() => {
        const chosen = (many ? pick.selectedItems : pick.activeItems.slice(0, 1)).filter((i) => i !== locked) as PickItem<T>[];
        if (!many && chosen.length === 0) return;
        finish(() => resolve(chosen));
      }),
      pick.onDidHide(() => {
        for (const s of subscriptions) s.dispose();
        pick.dispose();
        if (!done) {
          done = true;
          reject(new UserCancelled());
        }
      }),
    ];
    pick.show();
  });
}

/** A modal warning; throws UserCancelled unless `button` is chosen. */
export async function confirmModal(message: string, detail: string, button: string): Promise<void> {
  const answer = await askWarningModal(message, detail, button);
  if (answer !== button) throw new UserCancelled();
}

/** A new password for a file, typed twice, then its reminder (stored readable). */
interface NewFilePassword {
  password: string;
  reminder: string;
}

/**
 * Steps "(1/3)" password, "(2/3)" the same again, "(3/3)" a reminder (unless `withReminder` is
 * false), with Back from steps 2 and 3. The strength rule (the service's own, unless
 * `checkStrength` is false) and the confirmation are checked as the user types. `refusal`
 * reopens step 1 with the service's reason and keeps the reminder typed before, unless it now
 * contains the new password.
 */
async function askNewFilePassword(
  title: string,
  what: string,
  options: { withReminder?: boolean; checkStrength?: boolean; refusal?: string; reminder?: string } = {},
): Promise<NewFilePassword> {
  const withReminder = options.withReminder ?? true;
  const checkStrength = options.checkStrength ?? true;
  const steps = withReminder ? 3 : 2;
  let password = '';
  let reminder = options.reminder ?? '';
  let refusal = options.refusal;
  await runSteps([
    async () => {
      password = await askText({
        title: vscode.l10n.t(`{0} (1/{1})`, title, steps),
        prompt: vscode.l10n.t(`A password for the {0}. Without it the file cannot be opened: keep it apart from the file.`, what),
        password: true,
        initialError: refusal,
        validate: (v) => (v.length === 0 ? vscode.l10n.t('Enter a password.') : checkStrength ? checkPasswordStrength(v) : undefined),
      });
      refusal = undefined;
    },
    async () => {
      await askText({
        title: vscode.l10n.t(`{0} (2/{1})`, title, steps),
        prompt: vscode.l10n.t(`Type the password of the {0} again.`, what),
        password: true,
        back: true,
        validate: (v) => confirmationProblem(v, password),
      });
      if (!withReminder) return 'done';
      if (options.reminder !== undefined && !reminderProblem(options.reminder, password)) return 'done';
      return undefined;
    },
    async () => {
      reminder = await askText({
        title: vscode.l10n.t(`{0} (3/{1})`, title, steps),
        prompt: vscode.l10n.t(`A password reminder (optional). It is stored READABLE in the {0}, for whoever restores it: never write the password itself.`, what),
        placeholder: vscode.l10n.t('e.g. "the vault entry BizTalk SSO prod"'),
        value: reminder,
        back: true,
        validate: (v) => reminderProblem(v, password),
      });
    },
  ]);
  return { password, reminder: withReminder ? reminder : '' };
}

/** The active environment, or a refusal that offers to connect. */
export function requireEnvironment(connection: ConnectionManager): EnvironmentSetting {
  const env = connection.environment;
  if (!env) {
    throw new UserFacingError(vscode.l10n.t('No SSO environment is connected. Connect to one first (or switch to one when several are configured).'), [
      { title: vscode.l10n.t('Connect…'), command: 'entsso.connect' },
      { title: vscode.l10n.t('Switch Environment…'), command: 'entsso.switchEnvironment' },
    ]);
  }
  return env;
}

/**
 * Runs a short `task` (a second or two: scrypt on the service) with a busy indicator in the
 * status bar. Not a notification: VS Code shows at most three new notifications within 800 ms
 * and silently files the rest in the notification center, which would swallow the outcome.
 */
export function withBusyIndicator<T>(title: string, task: () => Promise<T>): Promise<T> {
  return Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, task));
}

/**
 * Asks a new password (twice) and, unless `withReminder` is false, a reminder, and runs `use`
 * with them; when the service finds the password too weak, asks again showing its reason.
 */
export async function withNewPassword<T>(title: string, what: string, options: { withReminder?: boolean; checkStrength?: boolean }, use: (p: NewFilePassword) => Promise<T>): Promise<T> {
  let refusal: string | undefined;
  let reminder: string | undefined;
  for (;;) {
    const p = await askNewFilePassword(title, what, { ...options, refusal, reminder });
    try {
      return await use(p);
    } catch (err) {
      if (!(err instanceof SsoError && isWeakPasswordRefusal(err))) throw err;
      refusal = vscode.l10n.t('{0} Choose another password.', err.message);
      reminder = p.reminder;
    }
  }
}

/** What the password box of a protected file says before the password is typed: ENTSSO shows the reminder first. */
export function reminderPrompt(info: { reminder: string; created: string; foreignEnvironment: boolean }): string {
  return reminderPromptText(info, new Date());
}

/**
 * Asks the password of an existing file (the prompt shows its reminder) and runs `use` with it,
 * asking again with the service's reason while the password does not open the file.
 */
export async function withFilePassword<T>(title: string, prompt: string, use: (password: string) => Promise<T>, options: { back?: boolean } = {}): Promise<T> {
  let refusal: string | undefined;
  for (;;) {
    const password = await askText({
      title,
      prompt,
      password: true,
      back: options.back,
      initialError: refusal,
      validate: (v) => (v.length === 0 ? vscode.l10n.t('Enter the password of the file.') : undefined),
    });
    try {
      return await use(password);
    } catch (err) {
      if (!(err instanceof SsoError && isWrongPasswordRefusal(err))) throw err;
      refusal = vscode.l10n.t('{0} Try again, or press Escape to stop.', err.message);
    }
  }
}
