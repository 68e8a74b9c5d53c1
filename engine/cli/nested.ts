/** Numbers and nested arrays of numbers from user JSON, checked with messages that say where. */
import { CliError } from './io';

export interface NestedValue {
  shape: number[];
  data: number[];
}

/**
 * A number or a rectangular nested array of finite numbers. `where` names the place in messages,
 * e.g. `batch.json: inputs.x`.
 */
export function parseNested(value: unknown, where: string): NestedValue {
  const shape: number[] = [];
  let cur = value;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  const data: number[] = [];
  const walk = (v: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number') {
        throw new CliError(`${where}${path}: expected a number, got ${Array.isArray(v) ? 'an array (the nesting is uneven)' : JSON.stringify(v) ?? String(v)}`);
      }
      if (!Number.isFinite(v)) throw new CliError(`${where}${path}: ${v} is not a finite number`);
      data.push(v);
      return;
    }
    if (!Array.isArray(v)) throw new CliError(`${where}${path}: expected an array of ${shape[depth]}, got ${JSON.stringify(v)} (the nesting is uneven)`);
    if (v.length !== shape[depth]) throw new CliError(`${where}${path}: has ${v.length} elements, expected ${shape[depth]} like its neighbours (ragged array)`);
    v.forEach((x, i) => walk(x, depth + 1, `${path}[${i}]`));
  };
  walk(value, 0, '');
  return { shape, data };
}

export const sizeOfShape = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1);
