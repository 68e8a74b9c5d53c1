import { describe, expect, it } from 'vitest';
import { dataLocations, givenDataDirs, userDataDir, userDatasetsDir, withDataLocations } from './user-data';

describe('userDataDir: the platform conventions', () => {
  it('Linux: $XDG_DATA_HOME/backprop-studio, else ~/.local/share/backprop-studio', () => {
    expect(userDataDir({ XDG_DATA_HOME: '/home/ada/.data' }, 'linux', '/home/ada')).toBe('/home/ada/.data/backprop-studio');
    expect(userDataDir({}, 'linux', '/home/ada')).toBe('/home/ada/.local/share/backprop-studio');
    expect(userDataDir({ HOME: '/home/bob' }, 'linux')).toBe('/home/bob/.local/share/backprop-studio');
    // The XDG spec: a relative or empty XDG_DATA_HOME is ignored.
    expect(userDataDir({ XDG_DATA_HOME: 'rel/data' }, 'linux', '/home/ada')).toBe('/home/ada/.local/share/backprop-studio');
    expect(userDataDir({ XDG_DATA_HOME: '' }, 'freebsd', '/home/ada')).toBe('/home/ada/.local/share/backprop-studio');
  });

  it('macOS: ~/Library/Application Support/Backprop Studio', () => {
    expect(userDataDir({ XDG_DATA_HOME: '/ignored' }, 'darwin', '/Users/ada')).toBe('/Users/ada/Library/Application Support/Backprop Studio');
  });

  it('Windows: %APPDATA%\\Backprop Studio, else ~\\AppData\\Roaming\\Backprop Studio', () => {
    expect(userDataDir({ APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, 'win32')).toBe('C:\\Users\\ada\\AppData\\Roaming\\Backprop Studio');
    expect(userDataDir({ USERPROFILE: 'C:\\Users\\ada' }, 'win32')).toBe('C:\\Users\\ada\\AppData\\Roaming\\Backprop Studio');
    expect(userDatasetsDir({ APPDATA: 'D:\\Roaming' }, 'win32')).toBe('D:\\Roaming\\Backprop Studio\\datasets');
  });

  it('BPSTUDIO_USER_DATA_DIR overrides it on every platform (Electron sets it to app.getPath("userData"))', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      expect(userDataDir({ BPSTUDIO_USER_DATA_DIR: '/profiles/test', APPDATA: 'C:\\x', XDG_DATA_HOME: '/x' }, platform, '/home/ada')).toBe('/profiles/test');
    }
    expect(userDatasetsDir({ BPSTUDIO_USER_DATA_DIR: '/profiles/test' }, 'linux')).toBe('/profiles/test/datasets');
  });
});

describe('withDataLocations', () => {
  it('scopes --data-dir and the environment over synchronous and asynchronous work', async () => {
    const env = { BPSTUDIO_DATA_DIR: '/from/env', BPSTUDIO_USER_DATA_DIR: '/u' };
    expect(withDataLocations({ dataDir: '/from/cli', env }, () => givenDataDirs())).toEqual(['/from/cli', '/from/env']);
    expect(withDataLocations({ env }, () => givenDataDirs())).toEqual(['/from/env']);
    expect(withDataLocations({ dataDir: '', env: {} }, () => givenDataDirs())).toEqual([]);
    const later = await withDataLocations({ dataDir: '/a', env }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      return [dataLocations().dataDir, userDataDir()];
    });
    expect(later).toEqual(['/a', '/u']);
    // Two runs at once keep their own.
    const [x, y] = await Promise.all(
      ['/x', '/y'].map((d) =>
        withDataLocations({ env: { BPSTUDIO_USER_DATA_DIR: d } }, async () => {
          await new Promise((r) => setTimeout(r, d === '/x' ? 10 : 1));
          return userDataDir();
        }),
      ),
    );
    expect([x, y]).toEqual(['/x', '/y']);
  });

  it('outside any scope: nothing given, and process.env', () => {
    expect(dataLocations().dataDir).toBeUndefined();
    expect(dataLocations().env).toBe(process.env);
  });
});
