export const root: string;
export function newestMtime(paths: string[]): number;
export function isStale(outputs: string[], inputs: string[]): boolean;
export const RENDERER: { outputs: string[]; inputs: string[] };
export const ELECTRON: { outputs: string[]; inputs: string[] };
export function buildRenderer(options?: { force?: boolean; log?: (line: string) => void }): Promise<boolean>;
export function buildElectronIfStale(options?: { force?: boolean; log?: (line: string) => void }): Promise<boolean>;
