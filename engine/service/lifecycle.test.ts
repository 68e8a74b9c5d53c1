/**
 * Issue 11, items 4 and 5 in the service: uploads are freed (idle time, total size), finished
 * runs are kept per client up to a limit, a closed connection's runs stop after a grace
 * period, and a hosted service reads dataset files only from the host's allow-list.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { restrictDatasetFiles } from '../data/access';
import { makeDataset } from '../data/dataset';
import { _clearUploads, _setUploadClock, loadDatasetRef, registerUploadedDataset, uploadedDatasetsUsage } from '../train/data-source';
import { EngineService } from './service';

const root = fileURLToPath(new URL('../../', import.meta.url));
const xor = (): Record<string, unknown> => JSON.parse(readFileSync(join(root, 'assets/examples/xor-mlp.json'), 'utf8')) as Record<string, unknown>;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bpstudio-lifecycle-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  restrictDatasetFiles(false);
  _setUploadClock(null);
  _clearUploads();
  delete process.env['BPSTUDIO_MAX_UPLOADS_MB'];
  delete process.env['BPSTUDIO_KEEP_RUNS'];
});

/** A dataset of `mib` MiB: features and one regression target per sample, float32. */
const mibDataset = (name: string, mib: number) => {
  const n = (mib * 2 ** 20) / 8;
  return makeDataset({ name, task: 'regression', featureShape: [1], features: new Float32Array(n), targetShape: [1], labels: new Float32Array(n) });
};

describe('uploads', () => {
  it('six 30 MiB uploads under a 64 MiB limit keep only the newest two; the oldest are refused with how to get them back', () => {
    process.env['BPSTUDIO_MAX_UPLOADS_MB'] = '64';
    for (let i = 0; i < 6; i++) registerUploadedDataset(`d${i}`, mibDataset(`d${i}`, 30));
    expect(uploadedDatasetsUsage()).toEqual({ count: 2, bytes: 60 * 2 ** 20 });
    expect(loadDatasetRef({ name: 'upload:d5', params: {} }).name).toBe('d5');
    expect(() => loadDatasetRef({ name: 'upload:d0', params: {} })).toThrow(/import the file again/);
  });

  it('an upload nobody used for an hour is freed', () => {
    let t = 0;
    _setUploadClock(() => t);
    registerUploadedDataset('old', mibDataset('old', 1));
    t = 59 * 60_000;
    expect(loadDatasetRef({ name: 'upload:old', params: {} }).name).toBe('old'); // used: the hour starts again
    t += 61 * 60_000;
    registerUploadedDataset('new', mibDataset('new', 1));
    expect(uploadedDatasetsUsage().count).toBe(1);
    expect(() => loadDatasetRef({ name: 'upload:old', params: {} })).toThrow(/unused for 60 minutes/);
  });

  it('one upload larger than the whole limit is refused, naming the limit', () => {
    process.env['BPSTUDIO_MAX_UPLOADS_MB'] = '1';
    expect(() => registerUploadedDataset('huge', mibDataset('huge', 2))).toThrow(/raise it with BPSTUDIO_MAX_UPLOADS_MB/);
  });
});

describe('runs', () => {
  const start = async (service: EngineService, client: string, epochs = 1): Promise<string> => {
    const reply = await service.dispatch({ id: 1, method: 'trainStart', params: { document: xor(), backend: 'ts', overrides: { epochs } } }, client);
    expect(reply.error).toBeUndefined();
    return (reply.result as { runId: string }).runId;
  };

  it('keeps the newest K finished runs per client (BPSTUDIO_KEEP_RUNS)', async () => {
    process.env['BPSTUDIO_KEEP_RUNS'] = '2';
    const service = new EngineService();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await start(service, 'a');
      ids.push(id);
      await service.handle('trainedModel', { runId: id });
    }
    await start(service, 'b');
    // client a: the two newest finished ones and the last one; client b: its own
    expect(service.runCount).toBe(4);
    const gone = await service.dispatch({ id: 2, method: 'evaluate', params: { runId: ids[0], split: 'test' } }, 'a');
    expect(gone.error).toMatchObject({ code: 'not-found' });
  }, 60_000);

  it('stops the runs of a closed connection after the grace period, and forgets them', async () => {
    const service = new EngineService();
    const id = await start(service, 'ws-1', 100_000);
    const stopped = await service.closeClient('ws-1', 10);
    expect(stopped).toBe(1);
    expect(service.runCount).toBe(0);
    expect((await service.dispatch({ id: 3, method: 'trainStop', params: { runId: id } })).error).toMatchObject({ code: 'not-found' });
  }, 60_000);
});

describe('dataset files of a hosted service', () => {
  it('a hosted service does not read a file the user did not open, and says so without its content', async () => {
    const secret = join(dir, 'secret.csv');
    writeFileSync(secret, 'user,password\nada,hunter2\n');
    const service = new EngineService({ restrictFiles: true });
    const reply = await service.dispatch({ id: 1, method: 'datasetPreview', params: { dataset: { name: secret, params: {} }, rows: 5 } });
    expect(reply.error?.message).toMatch(/dataset file "secret\.csv" was not opened by you in this session/);
    expect(reply.error?.message).not.toMatch(/hunter2|password/);
    // built-ins still load
    expect((await service.dispatch({ id: 2, method: 'datasetPreview', params: { dataset: { name: 'xor', params: {} }, rows: 1 } })).error).toBeUndefined();
    // once the host allows the file (the user picked it), it is read; its bad cell is quoted briefly
    service.allowDatasetFiles([secret]);
    const allowed = await service.dispatch({ id: 3, method: 'datasetPreview', params: { dataset: { name: secret, params: {} }, rows: 5 } });
    expect(allowed.error?.message ?? '').not.toMatch(/hunter2/);
  });

  it('files under an allowed folder are read (a document\'s folder, serve --allow-data)', async () => {
    const data = join(dir, 'data.csv');
    writeFileSync(data, 'a,b,label\n1,2,x\n3,4,y\n');
    const service = new EngineService({ restrictFiles: true });
    service.allowDatasetFiles([], [dir]);
    const reply = await service.dispatch({ id: 1, method: 'datasetPreview', params: { dataset: { name: data, params: {} }, rows: 5 } });
    expect(reply.error).toBeUndefined();
  });
});
