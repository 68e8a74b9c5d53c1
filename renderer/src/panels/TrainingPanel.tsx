/**
 * The Training tab: optimizer, learning rate, batch size, epochs, seed (in the document) and
 * the backend and the speed (slow motion, steps per second) for this session; Start / Pause /
 * Resume / Stop; a progress bar with epoch,
 * step, samples per second and ETA; live loss and accuracy charts; for 2-D data the decision
 * boundary as it forms; after the run, the evaluation and its confusion matrix; a NaN/Inf stop
 * with its diagnostic.
 */
import { useEffect, useRef } from 'react';
import { useDataStore, useTrainingStore } from './training-store';
import { useSetTraining, useTrainingBlockers, useTrainingSettings } from './document-bridge';
import { isActive, progressFraction } from './training-reducer';
import { BACKEND_CHOICES, type BackendChoice } from './training-model';
import { isTwoD } from './data-model';
import { switchOptimizer, type TrainingSettings } from './settings';
import { OPTIMIZER_TYPES, type OptimizerType } from '../../../engine/graph/document';

/** How the optimizer switch names each of the engine's optimizers (a Record: a new one must be named here). */
const OPTIMIZER_LABELS: Readonly<Record<OptimizerType, string>> = { sgd: 'SGD', adam: 'Adam', adamw: 'AdamW' };
const OPTIMIZER_OPTIONS = OPTIMIZER_TYPES.map((value) => ({ value, label: OPTIMIZER_LABELS[value] }));
import { formatDuration, formatNumber, formatRate } from './format';
import { normaliseRows } from './chart-data';
import { classColor, FALLBACK, parseColor, toCss } from './color';
import { MetricChart } from './MetricChart';
import { ScatterPlot } from './plots';
import { classNamesOf, Message, Num, NumberField, Section, SelectField } from './ui';
import './panels.css';

export function TrainingPanel() {
  const settings = useTrainingSettings();
  const setTraining = useSetTraining();
  const status = useTrainingStore((s) => s.status);
  const ref = settings.dataset;
  useEffect(() => {
    void useTrainingStore.getState().loadBackends();
    void useDataStore.getState().loadDatasets();
  }, []);
  useEffect(() => {
    void useDataStore.getState().ensurePreview(ref ?? null);
  }, [ref]);
  const locked = isActive(status);
  const regression = useDataStore((s) => s.preview?.task === 'regression');

  return (
    <div className="bpp-panel bpp-training" aria-label="Training">
      <div className="bpp-col bpp-col-settings">
        <RunControls hasDataset={!!settings.dataset} />
        <ProgressView />
        <RunMessages />
        <TrainingSettingsForm settings={settings} setTraining={setTraining} disabled={locked} />
      </div>
      <div className="bpp-col bpp-col-main">
        <div className="bpp-charts">
          <MetricChart kind="loss" planned={settings.epochs} />
          {!regression && <MetricChart kind="accuracy" planned={settings.epochs} />}
        </div>
      </div>
      <div className="bpp-col bpp-col-side">
        <BoundaryView />
        <EvaluationView />
      </div>
    </div>
  );
}

function RunControls({ hasDataset }: { hasDataset: boolean }) {
  const status = useTrainingStore((s) => s.status);
  const pending = useTrainingStore((s) => s.pending);
  const startRef = useRef<HTMLButtonElement>(null);
  const pauseRef = useRef<HTMLButtonElement>(null);
  const active = isActive(status);
  const preview = useDataStore((s) => s.preview);
  // what training still needs (the engine's training-level diagnostics): Start waits for it
  const blockers = useTrainingBlockers();
  const reasons = !hasDataset && !blockers.some((b) => /dataset/i.test(b)) ? ['Choose a dataset in the Data tab first.', ...blockers] : blockers;
  const blocked = reasons.length > 0 && !active;

  const start = async () => {
    const hadFocus = document.activeElement === startRef.current;
    await useTrainingStore.getState().start({ boundary: isTwoD(preview) && preview?.task === 'classification' });
    if (!hadFocus) return;
    // the Start button disabled itself: keep the keyboard user's focus on the run's controls
    requestAnimationFrame(() => (isActive(useTrainingStore.getState().status) ? pauseRef.current : startRef.current)?.focus());
  };
  const toggle = () => {
    const s = useTrainingStore.getState();
    void (s.status === 'paused' ? s.resume() : s.pause());
  };

  return (
    <div className="bpp-controls" role="group" aria-label="Training controls">
      <button
        ref={startRef}
        type="button"
        className="bpp-btn bpp-btn-primary"
        disabled={active || pending !== null || blocked}
        title={blocked ? reasons.join('\n') : 'Train the network on the document’s dataset'}
        aria-describedby={blocked ? 'bpp-start-blocked' : undefined}
        onClick={() => void start()}
      >
        {pending === 'start' ? 'Starting…' : status === 'idle' ? 'Start' : 'Start again'}
      </button>
      <button ref={pauseRef} type="button" className="bpp-btn" disabled={!active || pending !== null} onClick={toggle} aria-label={status === 'paused' ? 'Resume' : 'Pause'}>
        {status === 'paused' ? 'Resume' : 'Pause'}
      </button>
      <button type="button" className="bpp-btn bpp-btn-danger" disabled={!(active || pending === 'start') || pending === 'stop'} onClick={() => void useTrainingStore.getState().stop()}>
        Stop
      </button>
      {blocked && (
        <p id="bpp-start-blocked" className="bpp-small bpp-warning-text bpp-start-blocked" role="note" aria-label="Why Start is disabled">
          {reasons.join(' ')}
        </p>
      )}
    </div>
  );
}

const SPEEDS = ['full', '20', '10', '5', '2', '1', '0.5'] as const;
type Speed = (typeof SPEEDS)[number];

/**
 * Slow motion: a steps-per-second limit the trainer keeps to. It is the settings grid's last
 * field, and unlike the others it stays enabled while a run trains.
 */
function SpeedField() {
  const sps = useTrainingStore((s) => s.stepsPerSecond);
  const value: Speed = (SPEEDS as readonly string[]).includes(String(sps)) ? (String(sps) as Speed) : 'full';
  return (
    <SelectField<Speed>
      label="Speed"
      value={value}
      hint="Slow motion: at most this many training steps per second, so a class can watch the timeline and the wires change (can be changed while training)"
      options={SPEEDS.map((v) => ({ value: v, label: v === 'full' ? 'Full' : `${v} steps/s` }))}
      onChange={(v) => void useTrainingStore.getState().setStepsPerSecond(v === 'full' ? null : Number(v))}
    />
  );
}

function ProgressView() {
  const s = useTrainingStore((st) => st);
  const f = progressFraction(s);
  const pct = Math.round(f * 1000) / 10;
  const statusText: Record<typeof s.status, string> = {
    idle: 'Not trained yet',
    running: 'Training',
    paused: 'Paused',
    done: 'Done',
    stopped: 'Stopped',
    failed: 'Failed',
  };
  return (
    <div className="bpp-progress-block">
      <div className="bpp-progress-line">
        <span className={`bpp-status bpp-status-${s.status}`}>{statusText[s.status]}</span>
        {s.epochs > 0 && (
          <span className="bpp-num">
            epoch {s.epoch}/{s.epochs}
          </span>
        )}
        {s.step > 0 && <span className="bpp-num">step {s.step}</span>}
      </div>
      <div
        className={`bpp-progress bpp-progress-${s.status}`}
        role="progressbar"
        aria-label="Training progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={`${pct}%${s.epochs > 0 ? `, epoch ${s.epoch} of ${s.epochs}` : ''}`}
      >
        <span className="bpp-progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <div className="bpp-progress-line bpp-small">
        <span title="Samples per second">
          <span className="bpp-num">{formatRate(s.samplesPerSecond)}</span> samples/s
        </span>
        {s.status === 'done' || s.status === 'stopped' || s.status === 'failed' ? (
          <span>
            took <span className="bpp-num">{formatDuration(s.activeMs / 1000)}</span>
          </span>
        ) : (
          <span title="Estimated time left">
            ETA <span className="bpp-num">{formatDuration(s.etaSeconds)}</span>
          </span>
        )}
        {s.lastLoss !== null && (
          <span>
            loss <Num value={s.lastLoss} className="bpp-warm" />
          </span>
        )}
      </div>
      <BackendLine />
    </div>
  );
}

function BackendLine() {
  const backend = useTrainingStore((s) => s.backend);
  const provider = useTrainingStore((s) => s.provider);
  const note = useTrainingStore((s) => s.note);
  const choice = useTrainingStore((s) => s.backendChoice);
  if (!backend) return null;
  return (
    <p className="bpp-small bpp-muted" title={note ?? undefined}>
      {choice === 'auto' ? 'auto → ' : ''}
      <strong className="bpp-num">{backend}</strong>
      {provider ? (
        <>
          {' '}
          on <strong className="bpp-num">{provider}</strong>
        </>
      ) : null}
      {note ? <span className="bpp-note"> — {note}</span> : null}
    </p>
  );
}

function RunMessages() {
  const error = useTrainingStore((s) => s.error);
  const errorDiagnostics = useTrainingStore((s) => s.errorDiagnostics);
  const diagnostic = useTrainingStore((s) => s.diagnostic);
  return (
    <>
      {diagnostic && (
        <Message kind="error">
          {diagnostic.message}
          <span className="bpp-muted"> (node {diagnostic.nodeId})</span>
        </Message>
      )}
      {error && (
        <Message kind="error" onDismiss={() => useTrainingStore.getState().clearError()}>
          {error}
          {errorDiagnostics.length > 0 && (
            <ul className="bpp-diag-list">
              {errorDiagnostics.slice(0, 5).map((d, i) => (
                <li key={i} className={d.severity === 'warning' ? 'bpp-warning-text' : undefined}>
                  {d.nodeId ? <strong>{d.nodeId}: </strong> : null}
                  {d.message}
                </li>
              ))}
              {errorDiagnostics.length > 5 && <li>… and {errorDiagnostics.length - 5} more (see Problems)</li>}
            </ul>
          )}
        </Message>
      )}
    </>
  );
}

function TrainingSettingsForm({ settings, setTraining, disabled }: { settings: TrainingSettings; setTraining(p: Partial<TrainingSettings>): void; disabled: boolean }) {
  const opt = settings.optimizer;
  const backends = useTrainingStore((s) => s.backends);
  const choice = useTrainingStore((s) => s.backendChoice);
  const available = new Set(backends.filter((b) => b.available).map((b) => b.name));
  const backendOptions = BACKEND_CHOICES.filter((b) => b === 'auto' || b === choice || backends.some((x) => x.name === b)).map((b) => {
    const info = backends.find((x) => x.name === b);
    return {
      value: b,
      label: b === 'auto' ? 'auto (best available)' : `${b}${info && !info.available ? ' (unavailable)' : ''}`,
      disabled: b !== 'auto' && !available.has(b),
    };
  });
  return (
    <Section title="Settings">
      <div className="bpp-grid2">
        <SelectField
          label="Optimizer"
          value={opt.type}
          disabled={disabled}
          hint="SGD: plain gradient descent (with momentum); Adam: per-parameter step sizes from running gradient moments; AdamW: Adam with its weight decay applied to the weights directly, not through the gradient"
          options={OPTIMIZER_OPTIONS}
          onChange={(t) => setTraining({ optimizer: switchOptimizer(opt, t) })}
        />
        <NumberField
          label="Learning rate"
          value={opt.lr}
          min={0}
          exclusiveMin
          step={opt.lr >= 0.1 ? 0.05 : 0.001}
          disabled={disabled}
          onCommit={(lr) => setTraining({ optimizer: { ...opt, lr } })}
        />
        {opt.type === 'sgd' && (
          <NumberField
            label="Momentum"
            value={opt.momentum}
            min={0}
            max={1}
            step={0.1}
            disabled={disabled}
            onCommit={(momentum) => setTraining({ optimizer: { ...opt, momentum } })}
          />
        )}
        {/* AdamW's decay is what makes it AdamW; SGD's and Adam's L2 decay shows once a document sets it (the column has no room for a field that is usually 0) */}
        {(opt.type === 'adamw' || opt.weightDecay !== 0) && (
          <NumberField
            label="Weight decay"
            value={opt.weightDecay}
            min={0}
            step={opt.weightDecay >= 0.01 ? 0.01 : 0.001}
            disabled={disabled}
            hint={opt.type === 'adamw' ? 'Decoupled: each step multiplies the weights by 1 − lr × decay' : 'L2 penalty: decay × weight is added to each gradient'}
            onCommit={(weightDecay) => setTraining({ optimizer: { ...opt, weightDecay } })}
          />
        )}
        <NumberField label="Batch size" value={settings.batchSize} min={1} integer step={1} disabled={disabled} onCommit={(batchSize) => setTraining({ batchSize })} />
        <NumberField
          label="Epochs"
          value={settings.epochs}
          auto={{ text: 'auto', onAuto: () => setTraining({ epochs: undefined }) }}
          hint="Passes over the training data; auto: enough for about 300 optimizer steps"
          min={1}
          integer
          step={1}
          disabled={disabled}
          onCommit={(epochs) => setTraining({ epochs })}
        />
        <NumberField label="Seed" value={settings.seed} integer step={1} disabled={disabled} hint="Initialisation, shuffling and splits" onCommit={(seed) => setTraining({ seed })} />
        <SelectField
          wide
          label="Backend"
          value={choice}
          disabled={disabled}
          hint={backends.map((b) => `${b.name}: ${b.detail}`).join('\n') || undefined}
          options={backendOptions}
          onChange={(b: BackendChoice) => useTrainingStore.getState().setBackendChoice(b)}
        />
        <SpeedField />
      </div>
    </Section>
  );
}

function BoundaryView() {
  const preview = useDataStore((s) => s.preview);
  const previewKey = useDataStore((s) => s.previewKey);
  const runDataset = useTrainingStore((s) => s.runDataset);
  const runBoundary = useTrainingStore((s) => s.boundary);
  // a boundary belongs to the data it was trained on: hide it once the document's dataset changes
  const boundary = runDataset === previewKey ? runBoundary : null;
  const status = useTrainingStore((s) => s.status);
  if (!isTwoD(preview) || !preview?.points || preview.task !== 'classification') return null;
  const classes = preview.classCounts?.length ?? 2;
  return (
    <Section title="Decision boundary" className="bpp-card">
      <ScatterPlot points={preview.points} boundary={boundary} numClasses={classes} size={176} label="Decision boundary with the data points" />
      <BoundaryLegend classes={classNamesOf(preview.classNames, classes)} live={status === 'running'} hasBoundary={!!boundary} />
    </Section>
  );
}

function BoundaryLegend({ classes, live, hasBoundary }: { classes: string[]; live: boolean; hasBoundary: boolean }) {
  return (
    <p className="bpp-small bpp-legend">
      {classes.slice(0, 4).map((c, k) => (
        <span key={k} className="bpp-legend-item">
          <span className="bpp-dot" style={{ background: toCss(classColor(k)) }} aria-hidden="true" />
          {c}
        </span>
      ))}
      <span className="bpp-muted">{hasBoundary ? (live ? 'live' : '') : 'train to see the boundary'}</span>
    </p>
  );
}

function EvaluationView() {
  const evaluation = useTrainingStore((s) => s.evaluation);
  const evaluating = useTrainingStore((s) => s.evaluating);
  if (evaluating && !evaluation) return <p className="bpp-muted bpp-small">Evaluating…</p>;
  if (!evaluation) return null;
  const n = evaluation.confusion?.length ?? 0;
  return (
    <Section title={`Evaluation (${evaluation.split})`} className="bpp-card">
      <p className="bpp-small">
        loss <Num value={evaluation.loss} className="bpp-warm" />
        {evaluation.accuracy !== null && (
          <>
            {' '}
            · accuracy <Num value={evaluation.accuracy} percent className="bpp-cool" />
          </>
        )}
      </p>
      {evaluation.confusion && n > 0 && <ConfusionMatrix matrix={evaluation.confusion} names={classNamesOf(evaluation.classNames, n)} />}
    </Section>
  );
}

export function ConfusionMatrix({ matrix, names }: { matrix: number[][]; names: string[] }) {
  const shares = normaliseRows(matrix);
  const cool = toCss(parseColor(FALLBACK.cool)!);
  const n = matrix.length;
  const cell = n > 6 ? 16 : 26;
  return (
    <div className="bpp-confusion-wrap">
      <table className="bpp-confusion" aria-label="Confusion matrix: rows are true classes, columns predicted classes">
        <thead>
          <tr>
            <th scope="col" className="bpp-muted bpp-small">
              true \ pred
            </th>
            {names.map((c, j) => (
              <th key={j} scope="col" title={`predicted ${c}`} style={{ width: cell }}>
                {n > 4 ? j : c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.map((row, i) => (
            <tr key={i}>
              <th scope="row" title={names[i]}>
                {n > 4 ? `${i} ${names[i]}` : names[i]}
              </th>
              {row.map((v, j) => {
                const share = shares[i]![j]!;
                const diag = i === j;
                return (
                  <td
                    key={j}
                    className={`bpp-num${diag ? ' bpp-diag' : v > 0 ? ' bpp-offdiag' : ''}`}
                    style={{
                      width: cell,
                      height: cell,
                      background: diag ? `color-mix(in srgb, var(--cool, ${cool}) ${Math.round(share * 85)}%, transparent)` : v > 0 ? `color-mix(in srgb, var(--warm, ${FALLBACK.warm}) ${Math.round(15 + share * 70)}%, transparent)` : undefined,
                    }}
                    title={`true ${names[i]}, predicted ${names[j]}: ${v} (${formatNumber(share * 100)}% of the row)`}
                  >
                    {n > 6 && v >= 1000 ? `${Math.round(v / 100) / 10}k` : v}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
