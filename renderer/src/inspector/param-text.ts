/**
 * Text ↔ value for the inspector's param fields (shape as `28, 28`, dims as `0, 1` or empty for
 * all, tensor values as JSON, numbers with a Unicode minus accepted). Pure.
 */
import type { ParamSpec } from '../lib/node-types';
import { paramFieldProblem } from '../../../engine/graph/nodes/specs';

export type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/** The text a field shows for a value. */
export function paramToText(spec: ParamSpec, value: unknown): string {
  switch (spec.kind) {
    case 'int':
    case 'float':
      return typeof value === 'number' ? String(value) : value === undefined || value === null ? '' : String(value);
    case 'shape':
    case 'dims':
      return Array.isArray(value) ? value.join(', ') : '';
    case 'tensor':
      return value === null || value === undefined ? '' : JSON.stringify(value);
    case 'string':
    case 'enum':
      return typeof value === 'string' ? value : '';
    case 'bool':
      return value ? 'true' : 'false';
  }
}

function listOfInts(text: string): number[] | null {
  const parts = text.split(/[\s,×x*]+/).filter((p) => p !== '');
  const nums = parts.map((p) => Number(p.replace(/\u2212/g, '-')));
  return nums.every((n) => Number.isInteger(n)) ? nums : null;
}

/** Parse what a person typed into a value for `spec`, with a message when it is not one. */
export function textToParam(spec: ParamSpec, text: string): Parsed {
  const t = text.trim();
  let value: unknown;
  switch (spec.kind) {
    case 'int':
    case 'float': {
      if (t === '') return { ok: false, message: 'enter a number' };
      const v = Number(t.replace(/\u2212/g, '-'));
      if (!Number.isFinite(v)) return { ok: false, message: 'enter a number' };
      value = v;
      break;
    }
    case 'shape': {
      if (t === '') value = [];
      else {
        const l = listOfInts(t);
        if (!l) return { ok: false, message: 'a shape is whole numbers separated by commas, like 28, 28' };
        value = l;
      }
      break;
    }
    case 'dims': {
      if (t === '' || t.toLowerCase() === 'all') value = null;
      else {
        const l = listOfInts(t);
        if (!l) return { ok: false, message: 'dimensions are whole numbers separated by commas, or empty for all' };
        value = l;
      }
      break;
    }
    case 'tensor': {
      if (t === '') {
        if (spec.default === null) value = null;
        else return { ok: false, message: 'enter a number or an array like [[1, 2], [3, 4]]' };
      } else {
        try {
          value = JSON.parse(t.replace(/\u2212/g, '-'));
        } catch {
          return { ok: false, message: 'not valid JSON: enter a number or an array like [[1, 2], [3, 4]]' };
        }
      }
      break;
    }
    case 'string':
      value = text;
      break;
    case 'enum':
      value = t;
      break;
    case 'bool':
      value = t === 'true';
      break;
  }
  const problem = paramFieldProblem(spec, value);
  return problem ? { ok: false, message: problem } : { ok: true, value };
}

/** `≥ 1`, `0 – 1`, `> 0` — the range a number param accepts. */
export function rangeText(spec: ParamSpec): string | null {
  if (spec.kind !== 'int' && spec.kind !== 'float') return null;
  const lo = spec.min;
  const hi = spec.max;
  const excl = spec.kind === 'float' && spec.exclusiveMin;
  if (lo !== undefined && hi !== undefined) return `${excl ? '>' : ''}${lo} – ${hi}`;
  if (lo !== undefined) return `${excl ? '>' : '≥'} ${lo}`;
  if (hi !== undefined) return `≤ ${hi}`;
  return null;
}
