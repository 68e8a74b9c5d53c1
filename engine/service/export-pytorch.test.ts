/**
 * The service's `exportPyTorch` (File → Export → PyTorch script): the script and, for a trained
 * model, its safetensors weights with every parameter; the file name is checked.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRequest } from './protocol';
import { EngineService } from './service';
import { trainDocument } from '../train/train-document';
import type { GraphDocument } from '../graph/document';

describe('EngineService: PyTorch export', () => {
  const service = new EngineService();

  it('writes a document as a script that compiles, and a trained model with its weights', async () => {
    const doc = (await service.handle('getExample', { name: 'xor-mlp' })) as unknown as GraphDocument;
    const plain = await service.handle('exportPyTorch', { source: doc as unknown as Record<string, unknown>, scriptName: 'xor.py' });
    expect(plain.className).toBe('XorWithAHiddenLayer');
    expect(plain.script).toContain('class XorWithAHiddenLayer(nn.Module):');
    expect(plain.script).toContain('torch.onnx.export(');
    expect(plain.weightsBase64).toBeNull();
    const dir = mkdtempSync(join(tmpdir(), 'bp-pytorch-'));
    try {
      writeFileSync(join(dir, 'xor.py'), plain.script);
      execFileSync('/usr/bin/python3', ['-m', 'py_compile', join(dir, 'xor.py')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const { trained } = await trainDocument(doc, { overrides: { epochs: 2 } });
    const r = await service.handle('exportPyTorch', { source: trained as unknown as Record<string, unknown>, scriptName: 'xor.py' });
    expect(r.weightsName).toBe('xor.safetensors');
    expect(r.tensors).toBe(4);
    const bytes = Buffer.from(r.weightsBase64!, 'base64');
    expect(bytes.length).toBe(r.weightsSize);
    // safetensors: an 8-byte little-endian header length, a JSON index, raw float32
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const index = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, { dtype?: string; shape?: number[]; data_offsets?: [number, number] }>;
    const tensors = Object.entries(index).filter(([k]) => k !== '__metadata__');
    expect(tensors.map(([, v]) => v.shape)).toEqual(expect.arrayContaining([[4, 2], [4], [1, 4], [1]]));
    const hidden = trained.weights!['hidden']!['weight']!;
    const [name, entry] = tensors.find(([, v]) => v.shape!.join() === '4,2')!;
    const [from] = entry.data_offsets!;
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 8 + headerLength + from, bytes.byteOffset + 8 + headerLength + from + 32));
    expect(Array.from(values), name).toEqual(Array.from(Float32Array.from(hidden.data)));
  });

  it('takes a file name, not a path', () => {
    const r = parseRequest({ id: 1, method: 'exportPyTorch', params: { source: {}, scriptName: '../model.py' } });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).toContain('a file name ending in .py, without folders');
  });
});
