/**
 * Validated IPC, after VS Code's `validatedIpcMain`: every message is accepted only from our
 * window's main frame showing our own origin, and only on a known channel with a payload that
 * matches its schema; engine requests are then checked against the protocol (`parseRequest`)
 * before they are relayed. No `electron` import: main passes `ipcMain` and the window.
 */
import { parseRequest } from '../../engine/service/protocol';
import {
  CHANNELS, payloadSchemas, type BridgeResponse, type DocumentState, type FileKind, type FileResult, type NativeEditAction,
  type OpenedFile, type SavedFile, type SaveFileRequest,
} from '../shared/ipc-contract';
import { isAppUrl } from './security';

export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
}
export interface IpcEventLike {
  readonly sender: unknown;
  readonly senderFrame: FrameLike | null;
}
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, payload: unknown) => unknown): void;
  on(channel: string, listener: (event: IpcEventLike, payload: unknown) => void): void;
}

export interface IpcDeps {
  /** The webContents of our window (null while there is none). */
  trustedSender(): unknown;
  engine: { request(method: string, params: unknown): Promise<BridgeResponse> };
  files: {
    openWithDialog(kind: FileKind): Promise<FileResult<OpenedFile | null>>;
    openRecent(path: string): Promise<FileResult<OpenedFile | null>>;
    save(req: SaveFileRequest): Promise<FileResult<SavedFile | null>>;
  };
  nativeEdit(action: NativeEditAction): void;
  setDocumentState(state: DocumentState): void;
  /** Told about every refused message. */
  onRejected?(channel: string, reason: string): void;
}

export class IpcRejection extends Error {}

/** Whether an IPC event comes from our window's top frame, showing the app. */
export function isTrustedSender(event: IpcEventLike, trusted: unknown): boolean {
  if (!trusted || event.sender !== trusted) return false;
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  return isAppUrl(frame.url);
}

type Handler = (payload: unknown) => unknown;

export class ValidatedIpc {
  private readonly invokeHandlers = new Map<string, Handler>();
  private readonly sendHandlers = new Map<string, Handler>();

  constructor(private readonly deps: IpcDeps) {
    const bad = (channel: string, message: string): { ok: false; error: { code: string; message: string } } => {
      this.deps.onRejected?.(channel, message);
      return { ok: false, error: { code: 'bad-request', message } };
    };
    const issues = (e: { issues: { path: PropertyKey[]; message: string }[] }): string =>
      e.issues.map((i) => `${i.path.map(String).join('.') || '(payload)'}: ${i.message}`).join('; ');

    this.invokeHandlers.set(CHANNELS.request, async (payload) => {
      const env = payloadSchemas.request.safeParse(payload);
      if (!env.success) return bad(CHANNELS.request, `malformed request: ${issues(env.error)}`);
      const req = parseRequest({ id: 0, method: env.data.method, params: env.data.params ?? {} });
      if (!req.ok) {
        this.deps.onRejected?.(CHANNELS.request, req.error.message);
        return { ok: false, error: req.error } satisfies BridgeResponse;
      }
      return this.deps.engine.request(req.method, req.params);
    });
    this.invokeHandlers.set(CHANNELS.openFile, async (payload) => {
      const p = payloadSchemas.openFile.safeParse(payload);
      return p.success ? this.deps.files.openWithDialog(p.data.kind) : bad(CHANNELS.openFile, issues(p.error));
    });
    this.invokeHandlers.set(CHANNELS.openRecent, async (payload) => {
      const p = payloadSchemas.openRecent.safeParse(payload);
      return p.success ? this.deps.files.openRecent(p.data.path) : bad(CHANNELS.openRecent, issues(p.error));
    });
    this.invokeHandlers.set(CHANNELS.saveFile, async (payload) => {
      const p = payloadSchemas.saveFile.safeParse(payload);
      return p.success ? this.deps.files.save(p.data) : bad(CHANNELS.saveFile, issues(p.error));
    });
    this.invokeHandlers.set(CHANNELS.nativeEdit, (payload) => {
      const p = payloadSchemas.nativeEdit.safeParse(payload);
      if (!p.success) return bad(CHANNELS.nativeEdit, issues(p.error));
      this.deps.nativeEdit(p.data.action);
      return { ok: true, value: null };
    });
    this.sendHandlers.set(CHANNELS.documentState, (payload) => {
      const p = payloadSchemas.documentState.safeParse(payload);
      if (!p.success) {
        this.deps.onRejected?.(CHANNELS.documentState, issues(p.error));
        return;
      }
      this.deps.setDocumentState(p.data);
    });
  }

  get invokeChannels(): string[] {
    return [...this.invokeHandlers.keys()];
  }
  get sendChannels(): string[] {
    return [...this.sendHandlers.keys()];
  }

  /** Answer an `invoke`; rejects for unknown channels and foreign senders. */
  async invoke(channel: string, event: IpcEventLike, payload: unknown): Promise<unknown> {
    const h = this.invokeHandlers.get(channel);
    if (!h) {
      this.deps.onRejected?.(channel, 'unknown channel');
      throw new IpcRejection(`unknown IPC channel "${channel}"`);
    }
    if (!isTrustedSender(event, this.deps.trustedSender())) {
      this.deps.onRejected?.(channel, `foreign sender (${event.senderFrame?.url ?? 'no frame'})`);
      throw new IpcRejection('IPC from an untrusted sender was refused');
    }
    return h(payload);
  }

  /** Take a one-way message; returns whether it was accepted. */
  receive(channel: string, event: IpcEventLike, payload: unknown): boolean {
    const h = this.sendHandlers.get(channel);
    if (!h) {
      this.deps.onRejected?.(channel, 'unknown channel');
      return false;
    }
    if (!isTrustedSender(event, this.deps.trustedSender())) {
      this.deps.onRejected?.(channel, `foreign sender (${event.senderFrame?.url ?? 'no frame'})`);
      return false;
    }
    h(payload);
    return true;
  }

  /** Register every channel with Electron's ipcMain. */
  register(ipc: IpcMainLike): void {
    for (const channel of this.invokeChannels) ipc.handle(channel, (event, payload) => this.invoke(channel, event, payload));
    for (const channel of this.sendChannels) ipc.on(channel, (event, payload) => void this.receive(channel, event, payload));
  }
}
