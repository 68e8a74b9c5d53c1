import { describe, expect, it } from 'vitest';
import { decideLaunch, findElectronBinary } from '../../scripts/electron-binary.mjs';

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
});
