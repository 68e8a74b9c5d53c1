/** The part of cli-progress (v3) the CLI uses; the package ships no types of its own. */
declare module 'cli-progress' {
  import type { Writable } from 'node:stream';

  export interface Options {
    format?: string;
    stream?: Writable;
    fps?: number;
    hideCursor?: boolean | null;
    clearOnComplete?: boolean;
    stopOnComplete?: boolean;
    barsize?: number;
    etaBuffer?: number;
    noTTYOutput?: boolean;
    barCompleteChar?: string;
    barIncompleteChar?: string;
  }

  export interface Preset {
    format?: string;
    barCompleteChar: string;
    barIncompleteChar: string;
  }

  export class SingleBar {
    constructor(options: Options, preset?: Preset);
    start(total: number, startValue: number, payload?: Record<string, unknown>): void;
    update(value: number, payload?: Record<string, unknown>): void;
    update(payload: Record<string, unknown>): void;
    increment(step?: number, payload?: Record<string, unknown>): void;
    setTotal(total: number): void;
    stop(): void;
  }

  export const Presets: {
    legacy: Preset;
    shades_classic: Preset;
    shades_grey: Preset;
    rect: Preset;
  };

  const cliProgress: { SingleBar: typeof SingleBar; Presets: typeof Presets };
  export default cliProgress;
}
