/**
 * The Inference tab: pick a test sample (an image grid for image data, a table for tabular
 * data) and see the model's class probabilities for it as bars. Predictions come from the
 * current run's model (its weights as they are now, so it works while training too) — the run of
 * the document on screen, never another document's.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Results } from '../../../engine/service/protocol';
import { engine } from '../engine-client';
import { useTrainingStore } from './training-store';
import { classIndexOf } from './color';
import { formatShape } from './format';
import { ImageThumb } from './plots';
import { ClassBars, classNamesOf, Message, Num, Section } from './ui';
import './panels.css';

type Prediction = Results['predict'];

const PAGE = 24;

export function InferencePanel() {
  const runId = useTrainingStore((s) => s.runId);
  const status = useTrainingStore((s) => s.status);
  const testSamples = useTrainingStore((s) => s.testSamples);
  const trainSamples = useTrainingStore((s) => s.trainSamples);
  const split: 'test' | 'train' = testSamples > 0 ? 'test' : 'train';
  const total = split === 'test' ? testSamples : trainSamples;
  const [page, setPage] = useState(0);
  const [loaded, setLoaded] = useState<{ offset: number; list: Prediction[] }>({ offset: 0, list: [] });
  const samples = loaded.list;
  const [selected, setSelected] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [version, setVersion] = useState(0);
  const request = useRef(0);

  // reload when the run changes, ends (new weights), or on Refresh
  const settled = status === 'done' || status === 'stopped' || status === 'failed' || status === 'paused';
  useEffect(() => {
    // another run (another document's, or none): nothing of the previous one stays on screen
    setPage(0);
    setSelected(0);
    setLoaded({ offset: 0, list: [] });
    setError(null);
  }, [runId]);

  const load = useCallback(async () => {
    if (!runId || total === 0) {
      request.current++; // an answer still out for the previous run must not land
      setLoaded({ offset: 0, list: [] });
      setLoading(false);
      return;
    }
    const token = ++request.current;
    setLoading(true);
    setError(null);
    try {
      const out: Prediction[] = [];
      const end = Math.min(total, (page + 1) * PAGE);
      for (let i = page * PAGE; i < end; i++) {
        out.push(await engine.request('predict', { runId, split, index: i }));
        if (token !== request.current) return; // a newer page or run took over
      }
      setLoaded({ offset: page * PAGE, list: out });
    } catch (e) {
      if (token === request.current) setError((e as Error).message);
    } finally {
      if (token === request.current) setLoading(false);
    }
  }, [runId, split, total, page]);

  useEffect(() => {
    void load();
  }, [load, settled, version]);

  if (!runId) {
    return (
      <div className="bpp-panel bpp-inference" aria-label="Inference">
        <p className="bpp-empty">Train a model in the Training tab first; its predictions show here, sample by sample.</p>
      </div>
    );
  }

  const offset = loaded.offset;
  const current = samples[selected - offset] ?? samples[0] ?? null;
  const index = samples[selected - offset] ? selected : offset;
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const isImage = current ? current.featureShape.length === 2 : false;

  return (
    <div className="bpp-panel bpp-inference" aria-label="Inference">
      <div className="bpp-col bpp-col-main">
        <Section
          title={`${split === 'test' ? 'Test' : 'Training'} samples`}
          actions={
            <span className="bpp-row-gap">
              <button type="button" className="bpp-btn bpp-btn-small" aria-label="Previous samples" disabled={page === 0 || loading} onClick={() => setPage(page - 1)}>
                ‹
              </button>
              <span className="bpp-small bpp-num" aria-live="polite">
                {total === 0 ? '0' : `${page * PAGE + 1}–${Math.min(total, (page + 1) * PAGE)}`} of {total}
              </span>
              <button type="button" className="bpp-btn bpp-btn-small" aria-label="Next samples" disabled={page + 1 >= pages || loading} onClick={() => setPage(page + 1)}>
                ›
              </button>
              <button type="button" className="bpp-btn bpp-btn-small" disabled={loading} onClick={() => setVersion((v) => v + 1)} title="Predict again with the current weights">
                Refresh
              </button>
            </span>
          }
        >
          {error && <Message kind="error">{error}</Message>}
          {samples.length === 0 && !error && <p className="bpp-empty">{loading ? 'Predicting…' : 'No samples.'}</p>}
          {samples.length > 0 &&
            (isImage ? (
              <ImagePicker samples={samples} offset={offset} selected={index} onSelect={setSelected} />
            ) : (
              <TablePicker samples={samples} offset={offset} selected={index} onSelect={setSelected} />
            ))}
        </Section>
      </div>
      <div className="bpp-col bpp-col-side bpp-col-probs">{current && <PredictionView p={current} index={index} />}</div>
    </div>
  );
}

function nameOf(p: Prediction, k: number): string {
  return p.classNames?.[k] ?? String(k);
}

function ImagePicker({ samples, offset, selected, onSelect }: { samples: Prediction[]; offset: number; selected: number; onSelect(i: number): void }) {
  return (
    <div className="bpp-image-grid" role="listbox" aria-label="Samples">
      {samples.map((p, i) => {
        const index = offset + i;
        const truth = classIndexOf(p.label);
        const right = p.predicted === truth;
        const [h, w] = p.featureShape as [number, number];
        return (
          <button
            type="button"
            key={index}
            role="option"
            aria-selected={index === selected}
            className={`bpp-sample${index === selected ? ' bpp-selected' : ''}${right ? '' : ' bpp-wrong'}`}
            onClick={() => onSelect(index)}
            title={`sample ${index}: true ${nameOf(p, truth)}, predicted ${nameOf(p, p.predicted)}`}
          >
            <ImageThumb pixels={p.features} width={w} height={h} size={40} />
            <span className="bpp-image-label">{nameOf(p, p.predicted)}</span>
          </button>
        );
      })}
    </div>
  );
}

function TablePicker({ samples, offset, selected, onSelect }: { samples: Prediction[]; offset: number; selected: number; onSelect(i: number): void }) {
  const width = Math.min(samples[0]?.features.length ?? 0, 12);
  return (
    <div className="bpp-table-wrap">
      <table className="bpp-table bpp-selectable">
        <thead>
          <tr>
            <th scope="col">#</th>
            {Array.from({ length: width }, (_, j) => (
              <th key={j} scope="col">
                x{j + 1}
              </th>
            ))}
            <th scope="col">true</th>
            <th scope="col">predicted</th>
          </tr>
        </thead>
        <tbody>
          {samples.map((p, i) => {
            const index = offset + i;
            const truth = classIndexOf(p.label);
            return (
              <tr key={index} className={index === selected ? 'bpp-selected' : undefined} aria-selected={index === selected}>
                <td>
                  <button type="button" className="bpp-link-btn bpp-num" onClick={() => onSelect(index)} aria-label={`Sample ${index}`}>
                    {index}
                  </button>
                </td>
                {p.features.slice(0, width).map((v, j) => (
                  <td key={j}>
                    <Num value={v} compact />
                  </td>
                ))}
                <td>{nameOf(p, truth)}</td>
                <td className={p.predicted === truth ? 'bpp-cool' : 'bpp-error-text'}>{nameOf(p, p.predicted)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function PredictionView({ p, index }: { p: Prediction; index: number }) {
  const truth = classIndexOf(p.label);
  const names = classNamesOf(p.classNames, p.probabilities?.length ?? Math.max(p.predicted + 1, 2));
  const right = p.predicted === truth;
  return (
    <Section title={`Sample ${index}`} className="bpp-card">
      <div className="bpp-row-gap bpp-align-start">
        {p.featureShape.length === 2 && <ImageThumb pixels={p.features} width={p.featureShape[1]!} height={p.featureShape[0]!} size={84} title={`sample ${index}`} />}
        <div>
          <p className="bpp-small">
            true <strong>{names[truth] ?? p.label}</strong>
            <br />
            predicted <strong className={right ? 'bpp-cool' : 'bpp-error-text'}>{names[p.predicted]}</strong> {right ? '✓' : '✗'}
          </p>
          <p className="bpp-small bpp-muted">
            features <span className="bpp-num">{formatShape(p.featureShape)}</span>
          </p>
        </div>
      </div>
      {p.probabilities ? (
        <ClassBars label="Predicted class probabilities" names={names} values={p.probabilities} format="percent" highlight={p.predicted} />
      ) : (
        <p className="bpp-small bpp-muted">No class probabilities: the output is a score (a perceptron's, or a value outside 0–1), and the class is which side of the threshold it lies on.</p>
      )}
    </Section>
  );
}
