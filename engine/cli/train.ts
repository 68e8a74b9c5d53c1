/**
 * `bpstudio train GRAPH`: train a graph document (or continue a trained-model file) with a
 * progress bar on a terminal, a line per epoch otherwise, or one JSON line per epoch.
 */
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { OptimizerType } from '../graph/document';
import { formatDiagnostic, validateDocument } from '../graph/validate';
import { effectiveSettings, type TrainOverrides } from '../train/settings';
import { trainDocument } from '../train/train-document';
import { saveTrainedModel } from '../graph/trained-model';
import type { EpochRecord, Trainer, TrainEvent } from '../train/trainer';
import type { BackendName } from './backend';
import { fmt, fmtFixed, fmtSeconds } from './format';
import { CliError, EXIT, line, type CliIo } from './io';
import { datasetArg, loadGraphSource } from './load';

export interface TrainCommandOptions {
  dataset?: string;
  epochs?: number;
  batch?: number;
  lr?: number;
  optimizer?: OptimizerType;
  seed?: number;
  backend: BackendName;
  out?: string;
  json?: boolean;
  resume?: string;
}

/** The JSON line printed per epoch with --json (exactly these keys). */
export function epochJson(r: EpochRecord): string {
  return JSON.stringify({ epoch: r.epoch, loss: r.loss, accuracy: r.accuracy, testLoss: r.testLoss, testAccuracy: r.testAccuracy, seconds: r.seconds });
}

function epochText(r: EpochRecord, epochs: number): string {
  const w = String(epochs).length;
  const parts = [`epoch ${String(r.epoch).padStart(w)}/${epochs}`, `loss ${fmt(r.loss)}`];
  if (r.accuracy !== null) parts.push(`accuracy ${fmtFixed(r.accuracy)}`);
  if (r.testLoss !== null) parts.push(`test loss ${fmt(r.testLoss)}`);
  if (r.testAccuracy !== null) parts.push(`test accuracy ${fmtFixed(r.testAccuracy)}`);
  parts.push(`(${fmtSeconds(r.seconds)})`);
  return parts.join('  ');
}

interface Bar {
  start(total: number, value: number, payload: Record<string, unknown>): void;
  update(value: number, payload?: Record<string, unknown>): void;
  stop(): void;
}

async function makeBar(stream: Writable): Promise<Bar> {
  const { default: cliProgress } = await import('cli-progress');
  return new cliProgress.SingleBar(
    {
      stream,
      format: 'epoch {epoch}/{epochs} |{bar}| {percentage}% | loss {loss} | accuracy {accuracy} | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
}

export async function trainCommand(graph: string, opts: TrainCommandOptions, io: CliIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const backend = opts.backend;
  const src = loadGraphSource(graph, cwd);
  let resume = src.trained;
  if (opts.resume) {
    if (src.trained) throw new CliError(`${graph} is already a trained-model file (training continues from it); drop --resume or give a graph document`, EXIT.usage);
    const r = loadGraphSource(opts.resume, cwd);
    if (!r.trained) throw new CliError(`--resume ${opts.resume}: not a trained-model file (write one with bpstudio train --out)`);
    resume = r.trained;
  }
  const doc = src.document;
  const done = resume?.history.length ?? 0;
  const overrides: TrainOverrides = {
    ...(opts.batch !== undefined ? { batchSize: opts.batch } : {}),
    ...(opts.lr !== undefined ? { lr: opts.lr } : {}),
    ...(opts.optimizer !== undefined ? { optimizer: opts.optimizer } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.dataset !== undefined ? { dataset: datasetArg(opts.dataset, cwd) } : {}),
  };
  // Resuming: --epochs (default: the document's) counts the epochs to add to those already done.
  const more = opts.epochs ?? (resume ? effectiveSettings(doc).epochs : undefined);
  if (more !== undefined) overrides.epochs = done + more;
  const settings = effectiveSettings(doc, overrides);
  // Training's own level (a Loss, a dataset) before any data is loaded; the graph's diagnostics,
  // which may depend on the data, come when it is compiled.
  const needs = validateDocument({ ...doc, training: settings }, { purpose: 'train' }).diagnostics.filter((d) => d.level === 'train' && d.severity === 'error');
  if (needs.length > 0) {
    throw new CliError(`${graph} cannot be trained:`, EXIT.error, needs.map((d) => `  ${formatDiagnostic(d)}`));
  }

  const json = opts.json === true;
  const info = json ? io.stderr : io.stdout;
  const useBar = !json && io.stderrIsTTY === true && io.stderrStream !== undefined;
  const bar = useBar ? await makeBar(io.stderrStream!) : null;
  let batchesPerEpoch = 1;
  let plannedEpochs = settings.epochs ?? 0;
  let startEpoch = 0;
  let last: { loss: string; accuracy: string } = { loss: '—', accuracy: '—' };

  const onEvent = (e: TrainEvent): void => {
    switch (e.type) {
      case 'start': {
        batchesPerEpoch = e.batchesPerEpoch;
        plannedEpochs = e.epochs;
        startEpoch = e.startEpoch;
        const opt = settings.optimizer;
        line(info,
          `training "${doc.name}" on ${settings.dataset?.name ?? '?'}: ${e.trainSamples} training / ${e.testSamples} test samples; ` +
            `${e.startEpoch > 0 ? `epochs ${e.startEpoch + 1}–${e.epochs}` : `${e.epochs} epochs`} × ${e.batchesPerEpoch} batch${e.batchesPerEpoch === 1 ? '' : 'es'} of ${settings.batchSize}; ` +
            `${opt.type} lr ${fmt(opt.lr)}; seed ${settings.seed}; backend ${e.backend ?? backend}${e.provider ? ` (${e.provider})` : ''}`);
        if (e.backendNote) line(io.stderr, e.backendNote);
        bar?.start(Math.max(1, (e.epochs - e.startEpoch) * e.batchesPerEpoch), 0, { epoch: e.startEpoch + 1, epochs: e.epochs, ...last });
        break;
      }
      case 'batch':
        bar?.update((e.epoch - startEpoch) * batchesPerEpoch + e.batch + 1, { epoch: e.epoch + 1, loss: fmt(e.loss) });
        break;
      case 'epoch':
        if (json) line(io.stdout, epochJson(e));
        else if (bar) {
          last = { loss: fmt(e.loss), accuracy: fmtFixed(e.accuracy) };
          bar.update((e.epoch - startEpoch) * batchesPerEpoch, last);
        } else line(io.stdout, epochText(e, plannedEpochs));
        break;
      case 'end':
        bar?.stop();
        break;
      default:
        break;
    }
  };

  let trainer: Trainer | null = null;
  const unsubscribe = io.onInterrupt?.(() => {
    line(io.stderr, 'stopping after this batch (Ctrl+C again to abort)…');
    trainer?.stop();
  });
  const t0 = performance.now();
  let result;
  try {
    result = await trainDocument(doc, {
      baseDir: src.dir,
      overrides,
      onEvent,
      onTrainer: (t) => (trainer = t),
      backend,
      ...(resume ? { resume } : {}),
    });
  } finally {
    bar?.stop();
    unsubscribe?.();
  }
  const seconds = (performance.now() - t0) / 1000;

  if (result.reason === 'non-finite') {
    line(io.stderr, `error: ${result.diagnostic?.message ?? 'training stopped: the loss became NaN or Inf'}`);
    if (opts.out) line(io.stderr, `${opts.out} was not written (the weights are not finite)`);
    return EXIT.nonFinite;
  }

  const epochsRun = result.history.length - done;
  const final = result.history[result.history.length - 1];
  line(info, `${result.reason === 'cancelled' ? 'stopped after' : 'completed'} ${epochsRun} epoch${epochsRun === 1 ? '' : 's'} in ${fmtSeconds(seconds)}` +
    (done > 0 ? ` (${result.history.length} in all)` : ''));
  if (final) {
    const acc = (a: number | null): string => (a === null ? '' : `, accuracy ${fmtFixed(a)}`);
    line(info, `final train: loss ${fmt(final.loss)}${acc(final.accuracy)}`);
    line(info, final.testLoss === null && final.testAccuracy === null
      ? 'final test:  no test split'
      : `final test:  loss ${final.testLoss === null ? '—' : fmt(final.testLoss)}${acc(final.testAccuracy)}`);
  }
  if (opts.out) {
    saveTrainedModel(resolve(cwd, opts.out), result.trained);
    line(info, `saved the trained model to ${opts.out}`);
  }
  return result.reason === 'cancelled' ? EXIT.interrupted : EXIT.ok;
}
