export type ElectronBinary = { ok: true; path: string } | { ok: false; reason: string };
export function findElectronBinary(deps?: { require?: (id: string) => unknown; exists?: (path: string) => boolean }): ElectronBinary;
export function decideLaunch(input: { forceWeb?: boolean; electron: ElectronBinary }): { mode: 'electron'; binary: string } | { mode: 'web'; message: string };
export function downloadElectronBinary(deps?: {
  require?: NodeJS.Require;
  run?: (cmd: string, args: string[], options: object) => { status: number | null; stdout?: string; stderr?: string; error?: Error };
  timeoutMs?: number;
}): ElectronBinary;
