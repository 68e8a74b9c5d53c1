/**
 * Import conformance against Debian's libonnx-testdata: every listed operator test imports and
 * reproduces its expected outputs on the ts engine. The package must be installed (CI installs
 * it); without it these tests fail and say how to install it.
 */
import { describe, expect, it } from 'vitest';
import { EngineError } from '../core/errors';
import { COVERED, COVERED_ALL_INPUTS, NOT_FITTING } from './conformance/cases';
import { listCases, opTypesOf, runCase, TESTDATA_HINT, testdataRoot } from './conformance/harness';
import { SUPPORTED_ONNX_OPS } from './import';
import { onnx } from './builder';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeness } from './test-helpers';

const root = testdataRoot();

function requireRoot(): string {
  if (!root) throw new Error(`libonnx-testdata was not found in /usr/share/libonnx-testdata/data: ${TESTDATA_HINT}`);
  return root;
}

function allInputs(r: string, testCase: string): string[] {
  const m = onnx.ModelProto.decode(readFileSync(join(r, testCase, 'model.onnx')));
  const inits = new Set((m.graph?.initializer ?? []).map((t) => t.name));
  return (m.graph?.input ?? []).filter((i) => !inits.has(i.name)).map((i) => i.name!);
}

describe("libonnx-testdata conformance (Debian's ONNX backend test corpus)", () => {
  it('the corpus is installed', () => {
    const r = requireRoot();
    expect(listCases(r).length).toBeGreaterThan(900);
  });

  it('every case made only of operators the importer reads is listed as covered or as not fitting (with a reason)', () => {
    const r = requireRoot();
    const supported = new Set(SUPPORTED_ONNX_OPS);
    const listed = new Set([...COVERED, ...Object.keys(NOT_FITTING)]);
    const missing: string[] = [];
    for (const c of listCases(r)) {
      let ops: string[];
      try {
        ops = opTypesOf(r, c);
      } catch {
        continue;
      }
      if (ops.every((o) => supported.has(o)) && !listed.has(c)) missing.push(`${c} (${ops.join(', ')})`);
    }
    expect(missing, 'add these to engine/onnx/conformance/cases.ts').toEqual([]);
    for (const c of [...COVERED, ...COVERED_ALL_INPUTS, ...Object.keys(NOT_FITTING)]) expect(listCases(r), c).toContain(c);
    for (const c of COVERED) expect(NOT_FITTING[c], c).toBeUndefined();
    // how much of the corpus this is
    expect(COVERED.length).toBeGreaterThanOrEqual(130);
  });

  describe('covered: imports and reproduces the expected outputs', () => {
    const cases: [string, 'first' | 'all'][] = [...COVERED.map((c): [string, 'first'] => [c, 'first']), ...COVERED_ALL_INPUTS.map((c): [string, 'all'] => [c, 'all'])];
    for (const [testCase, keep] of cases) {
      it(`${testCase}${keep === 'all' ? ' (every input kept as an input)' : ''}`, () => {
        const r = requireRoot();
        const run = runCase(r, testCase, keep === 'all' ? allInputs(r, testCase) : undefined);
        for (const o of run.outputs) {
          const c = closeness(o.actual, o.expected, 1e-5, 1e-5);
          expect(c.ok, `${testCase} output "${o.name}": ${c.message}`).toBe(true);
        }
      });
    }
  });

  describe('not fitting our node model: a clear EngineError', () => {
    for (const [testCase, reason] of Object.entries(NOT_FITTING)) {
      it(`${testCase}: ${reason}`, () => {
        const r = requireRoot();
        let err: unknown;
        try {
          runCase(r, testCase);
        } catch (e) {
          err = e;
        }
        expect(err, `${testCase} imported, but it is listed as not fitting`).toBeInstanceOf(EngineError);
        expect((err as Error).message).toContain(testCase);
      });
    }
  });
});
