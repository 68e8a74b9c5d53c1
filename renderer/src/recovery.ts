/**
 * The autosaved recovery copy: while the document has unsaved changes, a copy goes to
 * localStorage every few seconds; after a crash (or a closed tab) the next start offers
 * "Restore unsaved work from <time>?". A clean save or a discard removes the copy.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { GraphDocument } from '../../engine/graph/document';
import { parseDocument } from '../../engine/graph/document';
import type { DocumentStore, FileKind } from './store/document-store';

export const RECOVERY_KEY = 'bpstudio.recovery.v1';

export interface RecoveryCopy {
  version: 1;
  /** When the copy was written (ms since the epoch). */
  savedAt: number;
  fileName: string | null;
  filePath: string | null;
  fileKind: FileKind;
  document: GraphDocument;
}

/** The part of Web Storage this needs (tests pass a Map-backed one). */
export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export function writeRecovery(storage: KeyValueStorage, copy: RecoveryCopy): boolean {
  try {
    storage.setItem(RECOVERY_KEY, JSON.stringify(copy));
    return true;
  } catch {
    return false; // quota or privacy mode: nothing to do but try again later
  }
}

/** The stored copy, or null when there is none or it cannot be read back as a document. */
export function readRecovery(storage: KeyValueStorage): RecoveryCopy | null {
  let text: string | null;
  try {
    text = storage.getItem(RECOVERY_KEY);
  } catch {
    return null;
  }
  if (!text) return null;
  try {
    const v = JSON.parse(text) as Partial<RecoveryCopy>;
    if (v.version !== 1 || typeof v.savedAt !== 'number') return null;
    const parsed = parseDocument(v.document);
    if (!parsed.ok) return null;
    return {
      version: 1,
      savedAt: v.savedAt,
      fileName: typeof v.fileName === 'string' ? v.fileName : null,
      filePath: typeof v.filePath === 'string' ? v.filePath : null,
      fileKind: v.fileKind === 'trained' ? 'trained' : 'graph',
      document: parsed.document,
    };
  } catch {
    return null;
  }
}

export function clearRecovery(storage: KeyValueStorage): void {
  try {
    storage.removeItem(RECOVERY_KEY);
  } catch {
    /* nothing stored */
  }
}

export interface AutosaveOptions {
  store: StoreApi<DocumentStore>;
  storage: KeyValueStorage;
  intervalMs?: number;
  now?: () => number;
  /**
   * Called once when a copy cannot be written (the storage quota is full, private mode), with a
   * one-line message for a warning toast; again only after a copy was written in between.
   */
  onWriteFailed?: (message: string) => void;
}

/** The one-line warning when the recovery copy cannot be written. */
export const RECOVERY_FAILED_MESSAGE = 'Unsaved changes could not be copied for recovery (the browser storage is full or blocked); save the document to keep them.';

/**
 * Every `intervalMs`, write a copy when the document changed since the last copy and is dirty;
 * when a document this session copied becomes clean (saved, or undone back to the saved state),
 * remove the copy. Returns a stop function. `tick` is exposed for tests.
 */
export function startAutosave({ store, storage, intervalMs = 3000, now = Date.now, onWriteFailed }: AutosaveOptions): { stop(): void; tick(): void } {
  let lastRevision = -1;
  let wrote = false;
  let warned = false;
  const tick = () => {
    const s = store.getState();
    if (s.dirty && s.opened) {
      if (s.revision === lastRevision) return;
      if (
        writeRecovery(storage, {
          version: 1, savedAt: now(), fileName: s.fileName, filePath: s.filePath, fileKind: s.fileKind, document: s.document,
        })
      ) {
        lastRevision = s.revision;
        wrote = true;
        warned = false;
      } else if (!warned) {
        warned = true;
        onWriteFailed?.(RECOVERY_FAILED_MESSAGE);
      }
    } else if (wrote) {
      clearRecovery(storage);
      wrote = false;
      lastRevision = -1;
    }
  };
  const id = setInterval(tick, intervalMs);
  // a save clears the copy at once, not a few seconds later
  const unsubscribe = store.subscribe((s, prev) => {
    if (prev.dirty && !s.dirty) tick();
  });
  return {
    stop() {
      clearInterval(id);
      unsubscribe();
    },
    tick,
  };
}

/** `today 14:05`, `yesterday 09:12`, or a date and time. */
export function describeTime(ms: number, reference = Date.now()): string {
  const d = new Date(ms);
  const r = new Date(reference);
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const sameDay = (a: Date, b: Date) => a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  if (sameDay(d, r)) return `today ${time}`;
  const y = new Date(reference - 86_400_000);
  if (sameDay(d, y)) return `yesterday ${time}`;
  return `${d.toLocaleDateString()} ${time}`;
}
