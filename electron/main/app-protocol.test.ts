import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appProtocolResponse, resolveAppFile } from './app-protocol';
import { ELECTRON_CSP } from './security';

describe('the app:// protocol', () => {
  const root = mkdtempSync(join(tmpdir(), 'bpstudio-renderer-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(root, 'assets', 'index.js'), 'console.log(1)');
  writeFileSync(join(root, '..', 'secret.txt'), 'secret');

  it('maps app://bpstudio/ paths into the renderer folder only', () => {
    expect(resolveAppFile(root, 'app://bpstudio/')).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://bpstudio/assets/index.js')).toBe(join(root, 'assets', 'index.js'));
    // the URL parser folds dot segments at the root: these stay inside the folder
    expect(resolveAppFile(root, 'app://bpstudio/../secret.txt')).toBe(join(root, 'secret.txt'));
    expect(resolveAppFile(root, 'app://bpstudio/%2e%2e/secret.txt')).toBe(join(root, 'secret.txt'));
    // an encoded slash is decoded after parsing: caught by the containment check
    expect(resolveAppFile(root, 'app://bpstudio/..%2fsecret.txt')).toBeNull();
    expect(resolveAppFile(root, 'app://bpstudio/assets/..%2f..%2fsecret.txt')).toBeNull();
    expect(resolveAppFile(root, 'app://bpstudio/%00.html')).toBeNull();
    expect(resolveAppFile(root, 'app://other/index.html')).toBeNull();
    expect(resolveAppFile(root, 'file:///etc/passwd')).toBeNull();
  });

  it('serves files with their type and the CSP; 404 otherwise', async () => {
    const r = await appProtocolResponse(root, { url: 'app://bpstudio/index.html', method: 'GET' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/html/);
    expect(r.headers.get('content-security-policy')).toBe(ELECTRON_CSP);
    expect(await r.text()).toContain('<title>x</title>');
    const js = await appProtocolResponse(root, { url: 'app://bpstudio/assets/index.js', method: 'GET' });
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await appProtocolResponse(root, { url: 'app://bpstudio/missing.js', method: 'GET' })).status).toBe(404);
    expect((await appProtocolResponse(root, { url: 'app://bpstudio/..%2fsecret.txt', method: 'GET' })).status).toBe(404);
    expect((await appProtocolResponse(root, { url: 'app://bpstudio/assets', method: 'GET' })).status).toBe(404);
    expect((await appProtocolResponse(root, { url: 'app://bpstudio/index.html', method: 'POST' })).status).toBe(405);
  });
});
