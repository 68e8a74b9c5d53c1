/**
 * Execution providers: a provider that cannot start gives an error naming it and why; `auto`
 * falls back to the next and says so. These machines have no GPU, so WebGPU reports no adapter
 * (on a machine with a GPU the same tests check that it ran there instead).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument, type GraphDocument } from '../../graph/document';
import { trainDocument } from '../../train/train-document';
import { listBackends } from '../index';
import { cachedSessionCount, listProviders, openSession, probeProvider } from './runtime';
import { autoTriesWebGpu } from './executor';
import { OnnxGraphBuilder } from '../../onnx/builder';

function xor(): GraphDocument {
  const r = parseDocument(readFileSync(new URL('../../../assets/examples/xor-mlp.json', import.meta.url), 'utf8'));
  if (!r.ok) throw new Error('xor-mlp');
  return r.document;
}

function tinyGraph(): Uint8Array {
  const b = new OnnxGraphBuilder();
  b.addInput('x', 'float32', [2]);
  b.node('Relu', ['x'], { outputs: ['y'] });
  b.addOutput('y', 'float32', [2]);
  return b.build({ graphName: 'probe', producerVersion: '0' });
}

const webgpuListed = listProviders().find((p) => p.provider === 'webgpu')!.available;
const webgpuError = webgpuListed ? await probeProvider('webgpu', tinyGraph()) : null;

describe('backends on this machine', () => {
  it('lists ts and every onnxruntime provider with what it needs', async () => {
    const list = await listBackends();
    expect(list.map((b) => b.name)).toEqual(['ts', 'ort-cuda', 'ort-webgpu', 'ort-dml', 'ort-coreml', 'ort-cpu']);
    expect(list.find((b) => b.name === 'ts')!.available).toBe(true);
    expect(list.find((b) => b.name === 'ort-cpu')!.available).toBe(true);
    if (process.platform !== 'win32') expect(list.find((b) => b.name === 'ort-dml')).toMatchObject({ available: false, detail: 'Windows only' });
  });

  it('caches sessions by the hash of the graph bytes', async () => {
    const bytes = tinyGraph();
    const a = await openSession(bytes, { provider: 'cpu', threads: 1 });
    const n = cachedSessionCount();
    const b = await openSession(Uint8Array.from(bytes), { provider: 'cpu', threads: 1 });
    expect(b).toBe(a);
    expect(cachedSessionCount()).toBe(n);
  });
});

// One set of tests for every machine: each branches on what this machine has (a WebGPU adapter or
// not), so none is skipped — on these GPU-less machines the "no adapter" branch runs.
describe('ort-webgpu', () => {
  it('is offered by this onnxruntime-node build', () => {
    expect(webgpuListed).toBe(true);
  });

  it('trains XOR on the GPU where an adapter exists, and otherwise fails with an error naming the provider and the reason', async () => {
    if (webgpuError === null) {
      const r = await trainDocument(xor(), { backend: 'ort-webgpu' });
      expect(r.backend).toMatchObject({ backend: 'ort-webgpu', provider: 'webgpu' });
      expect(r.history[r.history.length - 1]!.accuracy).toBe(1);
      return;
    }
    expect(webgpuError.message).toMatch(/^ort-webgpu: the WebGPU execution provider failed to start: .*adapter/i);
    await expect(trainDocument(xor(), { backend: 'ort-webgpu', overrides: { epochs: 1 } })).rejects.toThrow(
      /^ort-webgpu: the WebGPU execution provider failed to start: .*adapter/i,
    );
  });

  it('auto tries WebGPU only where a GPU device is present (its probe prints a native Vulkan warning where none is), or as BPSTUDIO_AUTO_WEBGPU says', () => {
    const none = () => false;
    expect(autoTriesWebGpu({}, 'linux', none)).toBe(false);
    expect(autoTriesWebGpu({}, 'linux', (p) => p === '/dev/dri')).toBe(true);
    expect(autoTriesWebGpu({}, 'linux', (p) => p === '/dev/nvidia0')).toBe(true);
    expect(autoTriesWebGpu({}, 'darwin', none)).toBe(true);
    expect(autoTriesWebGpu({}, 'win32', none)).toBe(true);
    expect(autoTriesWebGpu({ BPSTUDIO_AUTO_WEBGPU: '1' }, 'linux', none)).toBe(true);
    expect(autoTriesWebGpu({ BPSTUDIO_AUTO_WEBGPU: '0' }, 'darwin', none)).toBe(false);
  });

  it('auto on this machine: WebGPU only where it is tried, else the next provider', async () => {
    const cudaHere = listProviders().find((p) => p.provider === 'cuda')!.available;
    const r = await trainDocument(xor(), { backend: 'auto', overrides: { epochs: 1 } });
    if (!autoTriesWebGpu()) {
      expect(r.backend.provider).not.toBe('webgpu');
      if (!cudaHere) {
        expect(r.backend).toMatchObject({ backend: 'ort-cpu', provider: 'cpu' });
        // WebGPU is in the build: the note says why it was not tried, not that none is installed
        const webgpuBuilt = listProviders().find((p) => p.provider === 'webgpu')!.available;
        expect(r.backend.note).toBe(
          webgpuBuilt
            ? 'auto chose ort-cpu (no GPU device here: WebGPU not tried)'
            : 'auto chose ort-cpu (no GPU execution provider is installed)',
        );
      }
    } else if (webgpuError === null && !cudaHere) expect(r.backend.provider).toBe('webgpu');
    else expect(['cuda', 'webgpu', 'cpu']).toContain(r.backend.provider);
  });

  it('with BPSTUDIO_AUTO_WEBGPU=1 auto takes WebGPU where it starts, and otherwise falls back to ort-cpu and says why', async () => {
    const events: { type: string; backendNote?: string | null }[] = [];
    process.env['BPSTUDIO_AUTO_WEBGPU'] = '1';
    const r = await trainDocument(xor(), { backend: 'auto', overrides: { epochs: 2 }, onEvent: (e) => events.push(e) }).finally(() => {
      delete process.env['BPSTUDIO_AUTO_WEBGPU'];
    });
    if (webgpuError === null) {
      expect(r.backend).toMatchObject({ backend: 'ort-webgpu', provider: 'webgpu' });
      return;
    }
    expect(r.backend.backend).toBe('ort-cpu');
    expect(r.backend.provider).toBe('cpu');
    expect(r.backend.note).toMatch(/^auto: ort-webgpu did not start \(.*adapter.*\); running on ort-cpu$/i);
    expect(events[0]).toMatchObject({ type: 'start', backend: 'ort-cpu', backendNote: r.backend.note });
  });
});

describe('providers that are not installed', () => {
  const cuda = listProviders().find((p) => p.provider === 'cuda')!;
  it('ort-cuda says how to install it (or, where it is installed, names what it needs)', async () => {
    if (cuda.available) {
      expect(cuda.detail).toMatch(/CUDA provider installed/);
      return;
    }
    await expect(trainDocument(xor(), { backend: 'ort-cuda', overrides: { epochs: 1 } })).rejects.toThrow(
      /^ort-cuda: the CUDA execution provider failed to start: (not installed: run ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install \(npm ci skips that download\)|not in this onnxruntime-node build)$/,
    );
  });
  it('ort-dml is Windows only', async () => {
    if (process.platform === 'win32') {
      expect(listProviders().find((p) => p.provider === 'dml')).toBeDefined();
      return;
    }
    await expect(trainDocument(xor(), { backend: 'ort-dml', overrides: { epochs: 1 } })).rejects.toThrow(
      'ort-dml: the DirectML execution provider failed to start: Windows only',
    );
  });
  it('ts stays the default, and says so', async () => {
    const r = await trainDocument(xor(), { overrides: { epochs: 1 } });
    expect(r.backend).toEqual({ backend: 'ts', provider: 'typescript', note: null });
  });
});
