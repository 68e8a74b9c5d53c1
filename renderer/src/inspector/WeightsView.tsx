/**
 * The current weights of a trainable node (Linear, BatchNorm1d, Parameter): a heatmap per
 * tensor on the diverging scale centred at zero (negative warm, positive cool — the scale the
 * panels use), its min and max, and a histogram. Fetched with the engine's `weights` request:
 * from the training run when there is one (refreshed as epochs end), else from the document
 * (the trained-model file's weights when one was opened, else the seeded initialisation).
 */
import { useEffect, useRef, useState } from 'react';
import type { Results } from '../../../engine/service/protocol';
import { engine } from '../engine-client';
import { useDocumentStore } from '../store/document-store';
import { useTrainingStore } from '../panels';
import { useThemeVersion } from '../panels/hooks';
import { divergingScale, themeColor, toCss, FALLBACK } from '../panels/color';
import { formatNumber, fullNumber } from '../panels/format';
import { gridOf, heatmapSize, histogram, symmetricExtent } from './weights-math';
import { diagnosticsText } from '../lib/messages';

type Tensor = Results['weights']['tensors'][number];

function Num({ v }: { v: number }) {
  return (
    <span className="bp-num" title={fullNumber(v)}>
      {formatNumber(v)}
    </span>
  );
}

/** The diverging scale from the theme's colours (read again when the theme changes). */
function scaleFor(el: Element | null) {
  const warm = themeColor(el, '--warm', FALLBACK.warm);
  const cool = themeColor(el, '--cool', FALLBACK.cool);
  const mid = themeColor(el, '--heat-mid', '#808080');
  return divergingScale(warm, mid, cool);
}

function Heatmap({ t, extent }: { t: Tensor; extent: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const version = useThemeVersion();
  const { rows, cols } = gridOf(t.shape);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const scale = scaleFor(c);
    c.width = cols;
    c.height = rows;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(cols, rows);
    for (let i = 0; i < rows * cols; i++) {
      const v = t.data[i] ?? 0;
      const [r, g, b] = scale(v / extent);
      img.data[4 * i] = r;
      img.data[4 * i + 1] = g;
      img.data[4 * i + 2] = b;
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [t, extent, rows, cols, version]);
  const { width, height } = heatmapSize(rows, cols);
  const onMove = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    const col = Math.min(cols - 1, Math.floor(((e.clientX - r.left) / r.width) * cols));
    const row = Math.min(rows - 1, Math.floor(((e.clientY - r.top) / r.height) * rows));
    const v = t.data[row * cols + col];
    e.currentTarget.title = v === undefined ? '' : `${t.name}[${rows > 1 ? `${row}, ` : ''}${col}] = ${v}`;
  };
  return (
    <canvas
      ref={ref}
      className="bp-heatmap"
      style={{ width, height }}
      onMouseMove={onMove}
      role="img"
      aria-label={`Heatmap of ${t.name}, ${t.shape.join('×') || 'scalar'}, from ${t.min} to ${t.max}`}
    />
  );
}

function HistogramView({ t, extent }: { t: Tensor; extent: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const version = useThemeVersion();
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    const w = 236;
    const h = 44;
    c.width = w * dpr;
    c.height = h * dpr;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.scale(dpr, dpr);
    ctx.clearRect(0, 0, w, h);
    const hist = histogram(t.data, 32);
    const peak = Math.max(1, ...hist.counts);
    const scale = scaleFor(c);
    const bw = w / Math.max(1, hist.counts.length);
    hist.counts.forEach((n, i) => {
      const bh = n === 0 ? 0 : Math.max(1.5, (n / peak) * (h - 4));
      ctx.fillStyle = toCss(scale(hist.centres[i]! / extent));
      ctx.fillRect(i * bw + 0.5, h - bh, Math.max(1, bw - 1), bh);
    });
    if (hist.lo < 0 && hist.hi > 0) {
      const x = ((0 - hist.lo) / (hist.hi - hist.lo)) * w;
      ctx.strokeStyle = toCss(themeColor(c, '--muted', '#888'), 0.8);
      ctx.setLineDash([2, 2]);
      ctx.beginPath();
      ctx.moveTo(x, 0);
      ctx.lineTo(x, h);
      ctx.stroke();
    }
  }, [t, extent, version]);
  return <canvas ref={ref} className="bp-histogram" style={{ width: 236, height: 44 }} role="img" aria-label={`Histogram of ${t.name}`} />;
}

function TensorView({ t }: { t: Tensor }) {
  const extent = symmetricExtent(t.min, t.max);
  const mean = t.data.length ? t.data.reduce((a, b) => a + b, 0) / t.data.length : 0;
  return (
    <figure className="bp-tensor">
      <figcaption>
        <span className="bp-tensor-name">{t.name}</span>
        <span className="bp-shape">{t.shape.length ? t.shape.join('×') : 'scalar'}</span>
      </figcaption>
      <Heatmap t={t} extent={extent} />
      <div className="bp-legend" aria-hidden="true">
        <span className="bp-num" title={fullNumber(-extent)}>{formatNumber(-extent)}</span>
        <span className="bp-legend-bar" />
        <span className="bp-num" title={fullNumber(extent)}>{formatNumber(extent)}</span>
      </div>
      <HistogramView t={t} extent={extent} />
      <dl className="bp-stats">
        <div><dt>min</dt><dd><Num v={t.min} /></dd></div>
        <div><dt>mean</dt><dd><Num v={mean} /></dd></div>
        <div><dt>max</dt><dd><Num v={t.max} /></dd></div>
      </dl>
    </figure>
  );
}

export function WeightsView({ nodeId }: { nodeId: string }) {
  const runId = useTrainingStore((s) => s.runId);
  const epochs = useTrainingStore((s) => s.history.length);
  const status = useTrainingStore((s) => s.status);
  const document = useDocumentStore((s) => s.document);
  const trained = useDocumentStore((s) => s.trained);
  const [state, setState] = useState<{ tensors: Tensor[]; source: string; error: string | null; loading: boolean }>({ tensors: [], source: '', error: null, loading: true });

  // the run's weights while it exists, else the document's — re-fetched whenever the document
  // changes, so a message about an earlier version of the graph never stays
  useEffect(() => {
    let cancelled = false;
    setState((s) => ({ ...s, loading: true }));
    const t = setTimeout(async () => {
      try {
        let r: Results['weights'] | null = null;
        let source = '';
        if (runId) {
          try {
            r = await engine.request('weights', { runId, nodeId });
            source = status === 'idle' ? '' : `training run, ${epochs} epoch${epochs === 1 ? '' : 's'} trained`;
          } catch {
            r = null;
          }
        }
        if (!r || r.tensors.length === 0) {
          const doc = useDocumentStore.getState().document;
          const src = trained ? { ...trained, document: doc } : doc;
          r = await engine.request('weights', { document: src as unknown as Record<string, unknown>, nodeId });
          source = trained ? 'from the trained-model file' : `initial values (seed ${doc.training?.seed ?? 0})`;
        }
        if (!cancelled) setState({ tensors: r.tensors, source, error: null, loading: false });
      } catch (e) {
        if (!cancelled) setState({ tensors: [], source: '', error: e instanceof Error ? e.message : String(e), loading: false });
      }
    }, 250);
    return () => {
      cancelled = true;
      clearTimeout(t);
    };
  }, [nodeId, runId, epochs, status, document, trained]);

  return (
    <section className="bp-insp-section" aria-label="Weights">
      <h3>
        Weights {state.source && <span className="bp-muted bp-small">· {state.source}</span>}
      </h3>
      {state.error ? (
        <p className="bp-muted bp-small">Weights are shown once the graph is valid up to this node: {diagnosticsText(state.error)}</p>
      ) : state.tensors.length === 0 ? (
        <p className="bp-muted bp-small">{state.loading ? 'Loading…' : 'No weights.'}</p>
      ) : (
        state.tensors.map((t) => <TensorView key={t.name} t={t} />)
      )}
    </section>
  );
}
