/**
 * The app's user data folder, and where this run looks for data the user gave.
 *
 * `userDataDir()` is the one definition of the folder where Backprop Studio keeps what a user
 * installs for next time (datasets under `datasets/`), following each platform's convention:
 * - Linux and other Unixes: `$XDG_DATA_HOME/backprop-studio`, or `~/.local/share/backprop-studio`
 *   (the XDG Base Directory specification: a relative `XDG_DATA_HOME` is ignored);
 * - macOS: `~/Library/Application Support/Backprop Studio`;
 * - Windows: `%APPDATA%\Backprop Studio` (`~\AppData\Roaming\Backprop Studio` without APPDATA).
 * `BPSTUDIO_USER_DATA_DIR` overrides it; the Electron main process sets it for its engine
 * worker to Electron's `app.getPath('userData')`, so that the app and its engine agree.
 *
 * `withDataLocations` scopes what one command or request was told — a `--data-dir` and the
 * environment to read — over everything it calls, synchronous or not (an AsyncLocalStorage),
 * so that the loaders deep below need no extra parameters and concurrent runs do not mix.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

/** The folder's name on Linux (lowercase, XDG style) and on macOS and Windows. */
export const USER_DATA_NAME = { xdg: 'backprop-studio', app: 'Backprop Studio' } as const;

/** What a command or request was told about where data is. */
export interface DataLocations {
  /** A folder the user gave for this run (`--data-dir`): searched before anything else. */
  dataDir?: string;
  /** The environment to read (`BPSTUDIO_DATA_DIR`, `BPSTUDIO_USER_DATA_DIR`, `XDG_DATA_HOME`, `HOME`, `APPDATA`); default process.env. */
  env?: Env;
}

const scope = new AsyncLocalStorage<DataLocations>();

/** Run `fn` (and everything it starts) with these data locations. */
export function withDataLocations<T>(locations: DataLocations, fn: () => T): T {
  return scope.run(locations, fn);
}

/** The data locations in effect: those of the enclosing `withDataLocations`, else none given and process.env. */
export function dataLocations(): Required<Pick<DataLocations, 'env'>> & Pick<DataLocations, 'dataDir'> {
  const s = scope.getStore();
  return { env: s?.env ?? process.env, ...(s?.dataDir !== undefined && s.dataDir !== '' ? { dataDir: s.dataDir } : {}) };
}

const nonEmpty = (v: string | undefined): string | undefined => (v !== undefined && v !== '' ? v : undefined);

/**
 * The app's user data folder on this platform (see the file comment). `env`, `platform` and
 * `home` default to this process's; tests pass their own.
 */
export function userDataDir(env: Env = dataLocations().env, platform: NodeJS.Platform = process.platform, home?: string): string {
  const override = nonEmpty(env['BPSTUDIO_USER_DATA_DIR']);
  if (override !== undefined) return override;
  if (platform === 'win32') {
    const appData = nonEmpty(env['APPDATA']);
    if (appData !== undefined) return win32.join(appData, USER_DATA_NAME.app);
    return win32.join(home ?? nonEmpty(env['USERPROFILE']) ?? homedir(), 'AppData', 'Roaming', USER_DATA_NAME.app);
  }
  const h = home ?? nonEmpty(env['HOME']) ?? homedir();
  if (platform === 'darwin') return posix.join(h, 'Library', 'Application Support', USER_DATA_NAME.app);
  const xdg = nonEmpty(env['XDG_DATA_HOME']);
  if (xdg !== undefined && posix.isAbsolute(xdg)) return posix.join(xdg, USER_DATA_NAME.xdg);
  return posix.join(h, '.local', 'share', USER_DATA_NAME.xdg);
}

/** Where installed datasets live: `<userData>/datasets`. */
export function userDatasetsDir(env: Env = dataLocations().env, platform: NodeJS.Platform = process.platform, home?: string): string {
  return (platform === 'win32' ? win32 : posix).join(userDataDir(env, platform, home), 'datasets');
}

/**
 * Folders the user gave for this run, most specific first: `--data-dir`, then `BPSTUDIO_DATA_DIR`.
 * (A dataset's own parameter, such as Fashion-MNIST's `dir`, comes before both.)
 */
export function givenDataDirs(): string[] {
  const { dataDir, env } = dataLocations();
  const fromEnv = nonEmpty(env['BPSTUDIO_DATA_DIR']);
  return [...(dataDir !== undefined ? [dataDir] : []), ...(fromEnv !== undefined ? [fromEnv] : [])];
}
