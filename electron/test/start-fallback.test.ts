import { describe, expect, it } from 'vitest';
import { decideLaunch, downloadElectronBinary, findElectronBinary } from '../../scripts/electron-binary.mjs';

const electronInstallError = () => {
  throw new Error('Electron failed to install correctly, please delete node_modules/electron and try installing again');
};

describe('npm start: Electron or web mode', () => {
  it('falls back to web mode, in one line, when the binary was never downloaded', () => {
    const electron = findElectronBinary({ require: electronInstallError });
    expect(electron).toEqual({ ok: false, reason: 'its binary was not downloaded' });
    const d = decideLaunch({ electron });
    expect(d).toEqual({ mode: 'web', message: 'Electron is not available here (its binary was not downloaded); starting web mode instead.' });
    expect((d as { message: string }).message).not.toContain('\n');
  });

  it('falls back when the package names a binary that is not on disk', () => {
    const electron = findElectronBinary({ require: () => '/nowhere/node_modules/electron/dist/electron', exists: () => false });
    expect(decideLaunch({ electron })).toMatchObject({ mode: 'web', message: expect.stringMatching(/^Electron is not available here/) });
  });

  it('falls back when the electron package is not installed at all', () => {
    const notFound = () => {
      throw Object.assign(new Error("Cannot find module 'electron'"), { code: 'MODULE_NOT_FOUND' });
    };
    expect(decideLaunch({ electron: findElectronBinary({ require: notFound }) })).toEqual({
      mode: 'web',
      message: 'Electron is not available here (the electron package is not installed); starting web mode instead.',
    });
  });

  it('launches Electron when the binary exists, unless --web', () => {
    const electron = findElectronBinary({ require: () => '/app/node_modules/electron/dist/electron', exists: () => true });
    expect(decideLaunch({ electron })).toEqual({ mode: 'electron', binary: '/app/node_modules/electron/dist/electron' });
    expect(decideLaunch({ electron, forceWeb: true })).toMatchObject({ mode: 'web' });
  });

  it('agrees with this machine: Electron mode exactly when the real binary is on disk', async () => {
    const { existsSync } = await import('node:fs');
    const real = findElectronBinary();
    if (real.ok) expect(existsSync(real.path)).toBe(true);
    else expect(real.reason).toMatch(/not downloaded|not installed/);
  });

  describe('downloading the binary on first start (npm ci does not run electron\'s install script)', () => {
    const fakeRequire = Object.assign(() => undefined, { resolve: () => '/app/node_modules/electron/package.json' }) as unknown as NodeJS.Require;
    const offlineStderr = [
      'RequestError: getaddrinfo ENOTFOUND github.com',
      '    at ClientRequest.<anonymous> (/app/node_modules/got/dist/source/core/index.js:970:111)',
    ].join('\n');

    it('runs the electron package\'s own install.js with the download allowed', () => {
      const calls: { args: string[]; env: Record<string, string | undefined> }[] = [];
      downloadElectronBinary({
        require: fakeRequire,
        run: (_cmd, args, options) => {
          calls.push({ args, env: (options as { env: Record<string, string | undefined> }).env });
          return { status: 1, stderr: offlineStderr };
        },
      });
      expect(calls).toHaveLength(1);
      expect(calls[0]!.args).toEqual(['/app/node_modules/electron/install.js']);
      expect(calls[0]!.env.ELECTRON_SKIP_BINARY_DOWNLOAD).toBe('');
    });

    it('names the network error in one line when offline', () => {
      const r = downloadElectronBinary({ require: fakeRequire, run: () => ({ status: 1, stderr: offlineStderr }) });
      expect(r).toEqual({ ok: false, reason: 'its binary could not be downloaded: getaddrinfo ENOTFOUND github.com' });
      const d = decideLaunch({ electron: r });
      expect(d).toEqual({
        mode: 'web',
        message: 'Electron is not available here (its binary could not be downloaded: getaddrinfo ENOTFOUND github.com); starting web mode instead.',
      });
    });

    it('says when the download was cut off by its time limit', () => {
      const r = downloadElectronBinary({ require: fakeRequire, run: () => ({ status: null, error: new Error('spawnSync node ETIMEDOUT') }) });
      expect(r).toEqual({ ok: false, reason: 'its download did not finish (spawnSync node ETIMEDOUT)' });
    });

    it('says when the electron package itself is missing', () => {
      const missing = Object.assign(() => undefined, {
        resolve: () => {
          throw Object.assign(new Error("Cannot find module 'electron/package.json'"), { code: 'MODULE_NOT_FOUND' });
        },
      }) as unknown as NodeJS.Require;
      expect(downloadElectronBinary({ require: missing, run: () => ({ status: 0 }) })).toEqual({ ok: false, reason: 'the electron package is not installed' });
    });
  });
});
