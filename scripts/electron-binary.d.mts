export type ElectronBinary = { ok: true; path: string } | { ok: false; reason: string };
export function findElectronBinary(deps?: { require?: (id: string) => unknown; exists?: (path: string) => boolean }): ElectronBinary;
export function decideLaunch(input: { forceWeb?: boolean; electron: ElectronBinary }): { mode: 'electron'; binary: string } | { mode: 'web'; message: string };
