import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ELECTRON_CSP, isAllowedNavigation, isAllowedRequestUrl, isExternalLink, isPermissionAllowed, mainWindowOptions, withSecurityHeaders,
} from './security';

function directives(csp: string): Map<string, string> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name!, values.join(' ')] as const;
      }),
  );
}

describe('the BrowserWindow', () => {
  const opts = mainWindowOptions({ bounds: { width: 1280, height: 800 }, preloadPath: '/app/dist/electron/preload.cjs', devTools: false });

  it('follows the security checklist in its webPreferences', () => {
    expect(opts.webPreferences).toMatchObject({
      preload: '/app/dist/electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      devTools: false,
    });
  });

  it('sets no option that weakens it', () => {
    const prefs = opts.webPreferences as Record<string, unknown>;
    for (const risky of ['enableBlinkFeatures', 'additionalArguments', 'disableHtmlFullscreenWindowResize']) expect(prefs[risky]).toBeUndefined();
    expect(opts.show).toBe(false); // shown on ready-to-show, so no white flash
    expect(opts.width).toBe(1280);
  });
});

describe('the Content-Security-Policy', () => {
  it('is strict: scripts from the app only, no eval, no plugins, no framing, no base or form targets', () => {
    const d = directives(ELECTRON_CSP);
    expect(d.get('default-src')).toBe("'self'");
    expect(d.get('script-src')).toBe("'self'");
    expect(d.get('object-src')).toBe("'none'");
    expect(d.get('base-uri')).toBe("'none'");
    expect(d.get('form-action')).toBe("'none'");
    expect(d.get('frame-ancestors')).toBe("'none'");
    expect(d.get('connect-src')).toBe("'self'");
    expect(ELECTRON_CSP).not.toMatch(/unsafe-eval|\*(?!\.)|https?:/);
  });

  it("matches the renderer's meta CSP, with connect-src narrowed (no sockets in Electron)", () => {
    const html = readFileSync(new URL('../../renderer/index.html', import.meta.url), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBeTruthy();
    const m = directives(meta!);
    const e = directives(ELECTRON_CSP);
    // frame-ancestors only works in a header (browsers ignore it in <meta> and log an error): header only
    expect(m.has('frame-ancestors')).toBe(false);
    e.delete('frame-ancestors');
    expect([...e.keys()].sort()).toEqual([...m.keys()].sort());
    for (const [name, value] of e) {
      if (name === 'connect-src') for (const source of value.split(' ')) expect(m.get(name)!.split(' ')).toContain(source);
      else expect(value).toBe(m.get(name));
    }
  });

  it('is put on every response, replacing any other', () => {
    const h = withSecurityHeaders({ 'content-security-policy': ["default-src *"], 'Content-Type': 'text/html' });
    expect(h['Content-Security-Policy']).toEqual([ELECTRON_CSP]);
    expect(h['content-security-policy']).toBeUndefined();
    expect(h['Content-Type']).toEqual(['text/html']);
    expect(h['X-Content-Type-Options']).toEqual(['nosniff']);
  });
});

describe('navigation, requests and permissions', () => {
  it('keeps navigation inside the app', () => {
    expect(isAllowedNavigation('app://bpstudio/index.html')).toBe(true);
    for (const url of ['https://example.com/', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'app://other/index.html', 'javascript:alert(1)', 'not a url'])
      expect(isAllowedNavigation(url)).toBe(false);
  });

  it('loads no remote content', () => {
    expect(isAllowedRequestUrl('app://bpstudio/assets/index.js')).toBe(true);
    expect(isAllowedRequestUrl('data:image/png;base64,AAAA')).toBe(true);
    for (const url of ['https://cdn.example.com/x.js', 'http://localhost:5173/', 'ws://127.0.0.1:1234/ws', 'file:///tmp/x.html'])
      expect(isAllowedRequestUrl(url)).toBe(false);
  });

  it('opens only https links externally', () => {
    expect(isExternalLink('https://onnx.ai/')).toBe(true);
    for (const url of ['http://example.com/', 'file:///bin/sh', 'smb://host/share', 'app://bpstudio/']) expect(isExternalLink(url)).toBe(false);
  });

  it('denies permission requests (only sanitized clipboard writes from the app are granted)', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'midi', 'openExternal', 'fullscreen', 'clipboard-read', 'hid', 'serial'])
      expect(isPermissionAllowed(p, 'app://bpstudio/index.html')).toBe(false);
    expect(isPermissionAllowed('clipboard-sanitized-write', 'app://bpstudio/index.html')).toBe(true);
    expect(isPermissionAllowed('clipboard-sanitized-write', 'https://example.com/')).toBe(false);
  });
});
