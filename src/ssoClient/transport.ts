/**
 * The byte channels SsoClient speaks its JSON lines over: a Unix domain socket (named pipe on
 * Windows) to the project's SSO service, or the stdin/stdout of a child process it starts itself
 * (entsso-bridge.exe over Microsoft's ENTSSO). Framing, requests and reconnecting stay in the
 * client; a transport only moves bytes and says when it is gone.
 */
import { escapeUnsafeCharacters } from '../protocol/untrustedText';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as net from 'node:net';
import { SsoError } from '../protocol/errors';
import { FrameTooLargeError, LineDecoder } from '../protocol/jsonLines';

/** A program that serves the protocol on its stdin/stdout and logs on its stderr. */
export interface ProcessSpec {
  command: string;
  args: string[];
  /** Added to the environment the extension runs with. */
  env?: Record<string, string>;
  cwd?: string;
}

export interface TransportHandlers {
  onData(data: Buffer): void;
  /** Called once, when the channel is gone (closed by either side, or the process exited). */
  onClose(): void;
  /** A line the child process wrote to its stderr (its log; never values, by contract). */
  onLog?(line: string): void;
}

interface CloseOptions {
  /**
   * How long a child process may take to exit by itself after its stdin closed, before it is
   * killed (default 2 s): a field change in flight gets the rest of its own timeout.
   */
  graceMs?: number;
}

export interface Transport {
  write(line: string): void;
  /** Closes the channel (and ends the child process); `onClose` follows. */
  close(options?: CloseOptions): void;
  readonly destroyed: boolean;
}

/** Longest stderr line passed on; the rest of it is cut, so a noisy child cannot flood the log. */
export const MAX_LOG_LINE_CHARS = 2000;
/** Longest stderr line buffered while waiting for its newline. */
const MAX_LOG_BUFFER_BYTES = 64 * 1024;
/** Time a child gets to exit after its stdin closed before it is killed. */
const EXIT_GRACE_MS = 2000;

export function openSocketTransport(socketPath: string, handlers: TransportHandlers): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    const onError = (err: NodeJS.ErrnoException) => {
      socket.destroy();
      reject(socketConnectionError(err, socketPath));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      socket.on('data', (data) => handlers.onData(data));
      socket.on('error', () => undefined); // 'close' follows and does the work
      socket.on('close', () => handlers.onClose());
      resolve({
        write: (line) => void socket.write(line),
        close: () => void socket.destroy(),
        get destroyed() {
          return socket.destroyed;
        },
      });
    });
  });
}

export function openProcessTransport(spec: ProcessSpec, handlers: TransportHandlers): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let exited = false;
    const closeOnce = () => {
      if (exited) return;
      exited = true;
      handlers.onClose();
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(processStartError(err, spec));
      closeOnce();
    });
    child.once('spawn', () => {
      child.stdout.on('data', (data: Buffer) => handlers.onData(data));
      forwardLog(child, handlers.onLog);
      child.stdin.on('error', () => undefined); // EPIPE when it died; 'exit' does the work
      resolve(processTransport(child, () => exited));
    });
    child.once('exit', closeOnce);
  });
}

function processTransport(child: ChildProcessWithoutNullStreams, hasExited: () => boolean): Transport {
  let closing = false;
  return {
    write: (line) => {
      if (!closing && child.stdin.writable) child.stdin.write(line);
    },
    close: (options) => {
      if (closing || hasExited()) return;
      closing = true;
      // Ending stdin lets the bridge finish the call in progress and exit by itself (a field change
      // is many ENTSSO calls: the caller passes its remaining time); a hung one is ended after that.
      child.stdin.end();
      const graceMs = Math.max(EXIT_GRACE_MS, options?.graceMs ?? 0);
      const term = setTimeout(() => child.kill('SIGTERM'), graceMs);
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs + EXIT_GRACE_MS);
      term.unref();
      kill.unref();
      child.once('exit', () => {
        clearTimeout(term);
        clearTimeout(kill);
      });
    },
    get destroyed() {
      return closing || hasExited();
    },
  };
}

function forwardLog(child: ChildProcessWithoutNullStreams, onLog: ((line: string) => void) | undefined): void {
  const decoder = new LineDecoder((line) => onLog?.(boundedLogLine(line)), MAX_LOG_BUFFER_BYTES);
  child.stderr.on('data', (data: Buffer) => {
    try {
      decoder.push(data);
    } catch (err) {
      if (!(err instanceof FrameTooLargeError)) throw err;
      onLog?.(`(a log line longer than ${MAX_LOG_BUFFER_BYTES} bytes was left out)`);
    }
  });
}

/** A bridge's stderr line as the log shows it: cut, and with controls escaped (no forged lines, no terminal escapes). */
export function boundedLogLine(line: string): string {
  const trimmed = line.replace(/\r$/, '');
  const cut = trimmed.length > MAX_LOG_LINE_CHARS ? `${trimmed.slice(0, MAX_LOG_LINE_CHARS)}… (cut)` : trimmed;
  return escapeUnsafeCharacters(cut);
}

/**
 * Servers often run application control (AppLocker, Windows Defender Application Control), which
 * blocks an unsigned program under the user's profile, where VS Code installs extensions.
 */
const BLOCKED_BRIDGE_ADVICE =
  'Check the file\'s permissions. On a server with AppLocker or Windows Defender Application Control, ask an administrator to allow it, or copy it where programs are allowed and set "bridge.command" of the environment in the "entsso.environments" setting to that copy.';

function processStartError(err: NodeJS.ErrnoException, spec: ProcessSpec): SsoError {
  if (err.code === 'ENOENT' && spec.command === 'mono') {
    return new SsoError(
      'ENTSSO_E_NOT_CONNECTED',
      'The ENTSSO bridge could not be started: off Windows it runs on Mono, which is not installed. Install it (Debian: apt-get install mono-runtime), or set "bridge.command" of the environment in the "entsso.environments" setting.',
    );
  }
  if (err.code === 'ENOENT') {
    return new SsoError(
      'ENTSSO_E_NOT_CONNECTED',
      `The ENTSSO bridge could not be started: "${spec.command}" was not found. Reinstall the extension, or fix "bridge.command" of the environment in the "entsso.environments" setting.`,
    );
  }
  if (err.code === 'EACCES' || err.code === 'EPERM') {
    return new SsoError('ENTSSO_E_ACCESS_DENIED', `The ENTSSO bridge "${spec.command}" may not be run by this account (${err.code}). ${BLOCKED_BRIDGE_ADVICE}`);
  }
  return new SsoError('ENTSSO_E_NOT_CONNECTED', `The ENTSSO bridge "${spec.command}" could not be started (${err.code ?? err.message}). ${BLOCKED_BRIDGE_ADVICE}`);
}

function socketConnectionError(err: NodeJS.ErrnoException, socketPath: string): SsoError {
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
    return new SsoError('ENTSSO_E_NOT_CONNECTED', `No SSO service is listening at ${socketPath}. Start it with "ssoctl serve --service", or check the socket path.`);
  }
  if (err.code === 'EACCES' || err.code === 'EPERM') {
    return new SsoError('ENTSSO_E_ACCESS_DENIED', `You are not allowed to open the SSO service socket at ${socketPath}. Run as the user that owns the SSO environment.`);
  }
  return new SsoError('ENTSSO_E_NOT_CONNECTED', `Could not reach the SSO service at ${socketPath} (${err.code ?? err.message}).`);
}
