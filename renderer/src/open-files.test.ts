/**
 * Open and drop: a graph document or trained model opens, an ONNX model goes to the engine's
 * importer, a CSV or an IDX pair becomes the dataset; garbage, truncated files, broken JSON and
 * JSON that is no graph are refused in one line and the current document stays exactly as it was
 * (never an empty document under the other file's name).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import type { EngineClient } from '../../engine/service/protocol';
import { EngineService } from '../../engine/service/service';
import { exportOnnx } from '../../engine/onnx/export';
import { parseDocument, type GraphDocument } from '../../engine/graph/document';
import { createDocumentStore } from './store/document-store';
import { readProjectFile } from './store/load-file';
import { TYPES, mlpDocument } from './test/fixtures';
import { openIncomingFiles, type IncomingFile, type OpenDeps } from './open-files';

const xorText = readFileSync(fileURLToPath(new URL('../../assets/examples/xor-mlp.json', import.meta.url)), 'utf8');
const xor = (parseDocument(JSON.parse(xorText)) as { ok: true; document: GraphDocument }).document;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const file = (name: string, bytes: Uint8Array): IncomingFile => ({ name, path: null, bytes });

function idx(dims: number[], fill = 1): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + dims.reduce((a, b) => a * b, 1)).fill(fill);
  out.set([0, 0, 0x08, dims.length]);
  dims.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d, false));
  return out;
}

/** A document store holding the MLP document (saved as mlp.json), a real engine service, recorded UI calls. */
function setup(options: { confirm?: boolean } = {}) {
  const docs = createDocumentStore({ nodeTypes: () => TYPES, validateDelayMs: 0 });
  docs.getState().loadDocument(mlpDocument(), { fileName: 'mlp.json', filePath: '/home/ada/mlp.json' });
  const service = new EngineService();
  const engine: Pick<EngineClient, 'request'> = { request: (method, params) => service.handle(method, params as never) as never };
  const toasts: { message: string; kind: string }[] = [];
  let importError: string | null = null;
  const deps: OpenDeps = {
    docs,
    engine,
    data: {
      importCsv: async (a) => {
        try {
          const r = await service.handle('importCsv', { ...a });
          return { ref: r.dataset, preview: r.preview };
        } catch (e) {
          importError = (e as Error).message;
          return null;
        }
      },
      importIdx: async (a) => {
        try {
          const r = await service.handle('importIdx', { ...a });
          return { ref: r.dataset, preview: r.preview };
        } catch (e) {
          importError = (e as Error).message;
          return null;
        }
      },
      error: () => importError,
    },
    ui: { toast: (message, kind) => void toasts.push({ message, kind }), showDock: vi.fn(), setBusy: vi.fn() },
    confirmDiscard: vi.fn(async () => options.confirm ?? true),
    loadProject: (text, name, path) => {
      const r = readProjectFile(text);
      docs.getState().loadDocument(r.document, { fileName: name, filePath: path, trained: r.trained, issues: r.issues, dirty: r.repaired });
    },
    fitView: vi.fn(),
  };
  const snapshot = () => {
    const s = docs.getState();
    return { document: s.document, fileName: s.fileName, filePath: s.filePath, dirty: s.dirty, trained: s.trained, past: s.past.length };
  };
  return { docs, deps, toasts, snapshot };
}

describe('opening a file: by what it is', () => {
  it('a graph document opens under its name', async () => {
    const { docs, deps } = setup();
    expect(await openIncomingFiles([file('xor.json', enc(xorText))], deps)).toEqual({ kind: 'document', name: 'xor.json' });
    expect(docs.getState().fileName).toBe('xor.json');
    expect(docs.getState().document.name).toBe(xor.name);
    expect(deps.confirmDiscard).toHaveBeenCalledOnce();
  });

  it('a trained-model file opens with its weights', async () => {
    const { docs, deps } = setup();
    const weights = { hidden: { weight: { shape: [4, 2], data: [1, 2, 3, 4, 5, 6, 7, 8] } } };
    const text = JSON.stringify({ format: 'bpstudio-trained-model', formatVersion: 1, savedAt: 'x', appVersion: '0.1.0', seed: 1, document: xor, weights, history: [] });
    expect((await openIncomingFiles([file('xor.trained.json', enc(text))], deps)).kind).toBe('trained');
    expect(docs.getState().trained?.weights).toEqual(weights);
    expect(docs.getState().fileKind).toBe('trained');
  });

  it('an ONNX model (made by the exporter, under any name) is imported through the engine', async () => {
    const { docs, deps, toasts } = setup();
    const onnx = exportOnnx(xor).bytes;
    expect(await openIncomingFiles([file('xor.onnx', onnx)], deps)).toEqual({ kind: 'onnx', name: 'xor.onnx' });
    const s = docs.getState();
    expect(s.document.nodes.map((n) => n.type).sort()).toEqual(['Activation', 'Input', 'Linear', 'Linear', 'Output']);
    expect(s.fileName).toBeNull(); // an import is a new, unsaved document: Save asks for a name
    expect(s.dirty).toBe(true);
    expect(toasts.at(-1)).toMatchObject({ kind: 'success', message: 'Imported xor.onnx: 5 nodes' });
  });

  it('a CSV table becomes the document\'s dataset; the document stays open', async () => {
    const { docs, deps, snapshot } = setup();
    const before = snapshot();
    expect(await openIncomingFiles([file('tiny.csv', enc('a,b,label\n0,0,no\n1,1,yes\n0,1,yes\n1,0,no\n'))], deps)).toEqual({ kind: 'csv', name: 'tiny.csv' });
    const s = docs.getState();
    expect(s.document.training?.dataset).toEqual({ name: 'upload:tiny.csv', params: {} });
    expect(s.document.nodes).toEqual(before.document.nodes);
    expect(s.fileName).toBe('mlp.json');
    expect(deps.confirmDiscard).not.toHaveBeenCalled();
    expect(deps.ui.showDock).toHaveBeenCalledWith('data');
  });

  it('an IDX images file with its labels file becomes an image dataset; one alone says what else is needed', async () => {
    const { docs, deps, snapshot, toasts } = setup();
    const before = snapshot();
    const alone = await openIncomingFiles([file('train-images-idx3-ubyte', idx([4, 3, 3], 9))], deps);
    expect(alone.kind).toBe('hint');
    expect(toasts.at(-1)!.message).toMatch(/^train-images-idx3-ubyte is an IDX images file \(4×3×3\): open it together with its labels file/);
    expect(snapshot()).toEqual(before);
    const r = await openIncomingFiles([file('train-labels-idx1-ubyte', Uint8Array.from([...idx([4], 0).subarray(0, 8), 0, 1, 2, 1])), file('train-images-idx3-ubyte', idx([4, 3, 3], 9))], deps);
    expect(r).toEqual({ kind: 'idx', name: 'train-images-idx3-ubyte' });
    expect(docs.getState().document.training?.dataset?.name).toMatch(/^upload:/);
    expect(docs.getState().document.training?.normalize).toBe('scale255');
  });

  it('Cancel on the unsaved-changes question leaves everything as it was', async () => {
    const { deps, snapshot } = setup({ confirm: false });
    const before = snapshot();
    expect((await openIncomingFiles([file('xor.json', enc(xorText))], deps)).kind).toBe('cancelled');
    expect(snapshot()).toEqual(before);
  });
});

describe('refused files leave the current document untouched', () => {
  const garbage = Uint8Array.from({ length: 500 }, (_, i) => (i * 7919 + 13) % 251);
  const onnx = exportOnnx(xor).bytes;
  const cases: [string, string, Uint8Array, RegExp][] = [
    ['garbage', 'noise.bin', garbage, /^noise\.bin is a binary file that is not a graph or trained model/],
    ['broken JSON', 'broken.json', enc('{\n  "name": "x",\n  "nodes": [ { "id": "a", } ]\n}'), /^broken\.json is not valid JSON: line 3, column 27: expected a property name in double quotes, found '}'$/],
    ['a truncated graph document', 'xor.json', enc(xorText.slice(0, xorText.length / 2)), /^xor\.json is not valid JSON: line \d+, column \d+: .*cut short/],
    ['JSON that is not a graph', 'package.json', enc('{"name":"x","version":"1.0.0"}'), /^package\.json is JSON but not a Backprop Studio graph/],
    ['a graph file none of whose nodes can be read', 'empty-ish.json', enc('{"formatVersion":2,"name":"e","nodes":[{"kind":"Linear"}],"edges":[]}'), /^empty-ish\.json cannot be opened: no node in it could be read: nodes\[0\]/],
    ['a truncated ONNX model', 'xor.onnx', onnx.subarray(0, Math.floor(onnx.length * 0.6)), /^Could not import xor\.onnx: not a valid ONNX model/],
    ['garbage named .onnx', 'fake.onnx', garbage, /^Could not import fake\.onnx: /],
    ['an empty file', 'nothing.json', new Uint8Array(0), /^nothing\.json is empty/],
    ['a truncated IDX file', 'train-images-idx3-ubyte', idx([10, 28, 28]).subarray(0, 1000), /^train-images-idx3-ubyte is an IDX file of 10×28×28 values but is truncated \(1000 of 7856 bytes\)$/],
    ['a CSV whose rows the engine refuses', 'bad.csv', enc('a,b\nx,1\ny,2\n'), /^Could not import bad\.csv as a dataset: /],
  ];
  for (const [what, name, bytes, message] of cases) {
    it(`${what}: one line, nothing changes`, async () => {
      const { deps, snapshot, toasts } = setup();
      const before = snapshot();
      const r = await openIncomingFiles([file(name, bytes)], deps);
      expect(r.kind, JSON.stringify(r)).toBe('refused');
      const m = (r as { message: string }).message;
      expect(m).toMatch(message);
      expect(m).not.toContain('\n');
      expect(toasts).toEqual([{ message: m, kind: 'error' }]);
      expect(snapshot()).toEqual(before);
      expect(deps.confirmDiscard).not.toHaveBeenCalled();
    });
  }

  it('several unrelated files at once are refused', async () => {
    const { deps, snapshot } = setup();
    const before = snapshot();
    const r = await openIncomingFiles([file('xor.json', enc(xorText)), file('tiny.csv', enc('a,b\n1,2\n'))], deps);
    expect(r).toMatchObject({ kind: 'refused', message: '2 files at once: open one file at a time (or an IDX images file together with its labels file)' });
    expect(snapshot()).toEqual(before);
  });
});
