import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { FileAccess, type Dialogs } from './files';
import { RecentFiles } from './recent-files';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'bpstudio-files-'));
  const recent = new RecentFiles(join(dir, 'userData', 'recent-files.json'));
  const next: { open: string | null; save: string | null } = { open: null, save: null };
  const dialogs: Dialogs = { showOpen: vi.fn(async () => next.open), showSave: vi.fn(async () => next.save) };
  const changed = vi.fn();
  return { dir, recent, next, dialogs, changed, files: new FileAccess(dialogs, recent, changed) };
}

describe('files for the renderer', () => {
  it('opens what the user picked: text for documents, base64 for ONNX and IDX', async () => {
    const { dir, next, files, recent } = setup();
    writeFileSync(join(dir, 'xor.json'), '{"format":"x"}');
    next.open = join(dir, 'xor.json');
    expect(await files.openWithDialog('graph')).toEqual({ ok: true, value: { path: join(dir, 'xor.json'), name: 'xor.json', text: '{"format":"x"}' } });
    writeFileSync(join(dir, 'm.onnx'), Buffer.from([8, 7, 0, 255]));
    next.open = join(dir, 'm.onnx');
    expect(await files.openWithDialog('onnx')).toEqual({ ok: true, value: { path: join(dir, 'm.onnx'), name: 'm.onnx', base64: 'CAcA/w==' } });
    expect(recent.files).toEqual([join(dir, 'm.onnx'), join(dir, 'xor.json')]);
    next.open = null;
    expect(await files.openWithDialog('csv')).toEqual({ ok: true, value: null });
  });

  it('File ▸ Open (`any`) reads every kind as bytes; a JSON file may be saved in place, a CSV may not', async () => {
    const { dir, next, files, dialogs, recent } = setup();
    writeFileSync(join(dir, 'xor.json'), ' {"nodes":[]}');
    writeFileSync(join(dir, 'm.onnx'), Buffer.from([8, 7, 0, 255]));
    writeFileSync(join(dir, 'd.csv'), 'a,b\n1,2\n');
    next.open = join(dir, 'xor.json');
    expect(await files.openWithDialog('any')).toEqual({ ok: true, value: { path: join(dir, 'xor.json'), name: 'xor.json', base64: Buffer.from(' {"nodes":[]}').toString('base64') } });
    next.open = join(dir, 'm.onnx');
    expect(await files.openWithDialog('any')).toMatchObject({ ok: true, value: { base64: 'CAcA/w==' } });
    next.open = join(dir, 'd.csv');
    expect(await files.openWithDialog('any')).toMatchObject({ ok: true, value: { name: 'd.csv' } });
    expect(recent.files).toEqual([join(dir, 'm.onnx'), join(dir, 'xor.json')]);
    next.save = null;
    await files.save({ path: join(dir, 'xor.json'), suggestedName: 'xor.json', text: 'new' });
    expect(readFileSync(join(dir, 'xor.json'), 'utf8')).toBe('new');
    await files.save({ path: join(dir, 'd.csv'), suggestedName: 'd.csv', text: 'x' });
    expect(dialogs.showSave).toHaveBeenCalledOnce();
    expect(readFileSync(join(dir, 'd.csv'), 'utf8')).toBe('a,b\n1,2\n');
  });

  it('saves in place only over a file opened or saved in this session; otherwise asks', async () => {
    const { dir, next, files, dialogs } = setup();
    writeFileSync(join(dir, 'xor.json'), 'old');
    next.open = join(dir, 'xor.json');
    await files.openWithDialog('document');
    expect(await files.save({ path: join(dir, 'xor.json'), suggestedName: 'xor.json', text: 'new' })).toMatchObject({ ok: true, value: { path: join(dir, 'xor.json') } });
    expect(readFileSync(join(dir, 'xor.json'), 'utf8')).toBe('new');
    expect(dialogs.showSave).not.toHaveBeenCalled();

    // a path the user never chose: a Save dialog, never a silent write
    next.save = null;
    expect(await files.save({ path: '/etc/cron.d/evil', suggestedName: 'evil.json', text: 'x' })).toEqual({ ok: true, value: null });
    expect(dialogs.showSave).toHaveBeenCalledTimes(1);
    next.save = join(dir, 'copy.json');
    expect(await files.save({ suggestedName: 'copy', text: '{}' })).toMatchObject({ ok: true, value: { name: 'copy.json' } });
    expect(vi.mocked(dialogs.showSave).mock.calls.at(-1)![0].defaultPath).toBe('copy.json');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes binary files from base64', async () => {
    const { dir, next, files } = setup();
    next.save = join(dir, 'model.onnx');
    expect(await files.save({ suggestedName: 'model.onnx', kind: 'onnx', base64: 'CAcA/w==' })).toMatchObject({ ok: true });
    expect([...readFileSync(join(dir, 'model.onnx'))]).toEqual([8, 7, 0, 255]);
  });

  it('reopens only files in the recent list, and forgets ones that vanished', async () => {
    const { dir, files, recent, changed } = setup();
    expect(await files.openRecent('/etc/passwd')).toMatchObject({ ok: false, error: { code: 'not-allowed' } });
    writeFileSync(join(dir, 'a.json'), '{}');
    recent.add(join(dir, 'a.json'));
    recent.add(join(dir, 'gone.json'));
    expect(await files.openRecent(join(dir, 'a.json'))).toMatchObject({ ok: true, value: { text: '{}' } });
    expect(await files.openRecent(join(dir, 'gone.json'))).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(recent.has(join(dir, 'gone.json'))).toBe(false);
    expect(changed).toHaveBeenCalled();
  });

  it('keeps the recent list across restarts, capped, newest first, surviving corruption', () => {
    const { dir } = setup();
    const file = join(dir, 'recent.json');
    const a = new RecentFiles(file, 3);
    for (const n of ['1', '2', '3', '4', '2']) a.add(`/p/${n}.json`);
    expect(new RecentFiles(file, 3).files).toEqual(['/p/2.json', '/p/4.json', '/p/3.json']);
    writeFileSync(file, 'not json');
    expect(new RecentFiles(file).files).toEqual([]);
  });
});
