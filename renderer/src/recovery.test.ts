/**
 * The recovery copy: written while the document is dirty, not rewritten when nothing changed,
 * removed when the document is saved, offered back only when it reads as a document.
 */
import { describe, expect, it } from 'vitest';
import { RECOVERY_KEY, clearRecovery, describeTime, readRecovery, startAutosave, writeRecovery, type KeyValueStorage } from './recovery';
import { createDocumentStore } from './store/document-store';
import { TYPES, mlpDocument } from './test/fixtures';

class MemoryStorage implements KeyValueStorage {
  map = new Map<string, string>();
  writes = 0;
  full = false;
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    if (this.full) throw new DOMException('quota', 'QuotaExceededError');
    this.writes++;
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

describe('recovery copy', () => {
  it('round-trips a document with its file name and time', () => {
    const storage = new MemoryStorage();
    expect(writeRecovery(storage, { version: 1, savedAt: 1234, fileName: 'mlp.json', filePath: null, fileKind: 'graph', document: mlpDocument() })).toBe(true);
    const copy = readRecovery(storage)!;
    expect(copy.savedAt).toBe(1234);
    expect(copy.fileName).toBe('mlp.json');
    expect(copy.document.nodes.map((n) => n.id)).toEqual(['x', 'h', 'a', 'o', 'y', 'loss']);
    clearRecovery(storage);
    expect(readRecovery(storage)).toBeNull();
  });

  it('ignores copies that are not JSON, of another version, or not a document', () => {
    const storage = new MemoryStorage();
    storage.map.set(RECOVERY_KEY, '{not json');
    expect(readRecovery(storage)).toBeNull();
    storage.map.set(RECOVERY_KEY, JSON.stringify({ version: 2, savedAt: 1, document: mlpDocument() }));
    expect(readRecovery(storage)).toBeNull();
    storage.map.set(RECOVERY_KEY, JSON.stringify({ version: 1, savedAt: 1, document: { nodes: 'no' } }));
    expect(readRecovery(storage)).toBeNull();
  });

  it('a full storage does not throw', () => {
    const storage = new MemoryStorage();
    storage.full = true;
    expect(writeRecovery(storage, { version: 1, savedAt: 1, fileName: null, filePath: null, fileKind: 'graph', document: mlpDocument() })).toBe(false);
  });

  it('autosave writes while dirty, once per change, and clears the copy on save', () => {
    const storage = new MemoryStorage();
    const store = createDocumentStore({ nodeTypes: () => TYPES });
    store.getState().loadDocument(mlpDocument(), { fileName: 'mlp.json' });
    let now = 1000;
    const auto = startAutosave({ store, storage, intervalMs: 60_000, now: () => now });
    try {
      auto.tick();
      expect(readRecovery(storage)).toBeNull(); // clean: nothing to keep
      store.getState().addNode('Add', { x: 0, y: 0 });
      auto.tick();
      expect(readRecovery(storage)!.document.nodes).toHaveLength(7);
      expect(readRecovery(storage)!.savedAt).toBe(1000);
      auto.tick();
      expect(storage.writes).toBe(1); // unchanged since the last copy
      now = 2000;
      store.getState().setParam('h', 'outFeatures', 3);
      auto.tick();
      expect(storage.writes).toBe(2);
      expect(readRecovery(storage)!.savedAt).toBe(2000);
      store.getState().markSaved({ fileName: 'mlp.json' }); // the subscription clears at once
      expect(readRecovery(storage)).toBeNull();
    } finally {
      auto.stop();
    }
  });

  it('autosave leaves an older session’s copy alone until this session writes one', () => {
    const storage = new MemoryStorage();
    writeRecovery(storage, { version: 1, savedAt: 5, fileName: 'old.json', filePath: null, fileKind: 'graph', document: mlpDocument() });
    const store = createDocumentStore({ nodeTypes: () => TYPES });
    const auto = startAutosave({ store, storage, intervalMs: 60_000 });
    auto.tick();
    auto.stop();
    expect(readRecovery(storage)!.fileName).toBe('old.json');
  });

  it('describes when the copy was made', () => {
    const ref = new Date(2025, 5, 10, 15, 0).getTime();
    expect(describeTime(new Date(2025, 5, 10, 14, 5).getTime(), ref)).toMatch(/^today /);
    expect(describeTime(new Date(2025, 5, 9, 9, 12).getTime(), ref)).toMatch(/^yesterday /);
  });
});
