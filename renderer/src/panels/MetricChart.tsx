/**
 * A live uPlot chart of the run's loss or accuracy. The chart is created once (and again only
 * when the theme changes); training updates append to its data with `setData`, at most once per
 * animation frame, straight from the store's subscription — React does not re-render per batch.
 */
import { useEffect, useRef, useState, type RefObject } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useTrainingStore, type TrainingStore } from './training-store';
import { accuracySeries, lossRange, lossSeries, tickLabel as tick, type Aligned } from './chart-data';
import { FALLBACK, mix, themeColor, toCss } from './color';
import { formatNumber } from './format';
import { useThemeVersion } from './hooks';
import { Num } from './ui';

export type MetricKind = 'loss' | 'accuracy';

interface SeriesStyle {
  label: string;
  color: string;
  width: number;
  dash?: number[];
}

function seriesStyles(kind: MetricKind, el: Element): SeriesStyle[] {
  const warm = themeColor(el, '--warm', FALLBACK.warm);
  const cool = themeColor(el, '--cool', FALLBACK.cool);
  const fg = themeColor(el, '--fg', '#888');
  if (kind === 'loss') {
    return [
      { label: 'batch', color: toCss(warm, 0.35), width: 1 },
      { label: 'train', color: toCss(warm), width: 2 },
      { label: 'test', color: toCss(mix(warm, fg, 0.35)), width: 2, dash: [5, 4] },
    ];
  }
  return [
    { label: 'train', color: toCss(cool), width: 2 },
    { label: 'test', color: toCss(mix(cool, fg, 0.35)), width: 2, dash: [5, 4] },
  ];
}

function dataOf(kind: MetricKind, s: TrainingStore): Aligned {
  return kind === 'loss' ? lossSeries(s.batchX, s.batchLoss, s.history) : accuracySeries(s.history);
}

const EPOCH_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000];

/** `planned`: the document's epoch count, the x range before a run says its own. */
export function MetricChart({ kind, planned = 1, minHeight = 100 }: { kind: MetricKind; planned?: number; minHeight?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plannedRef = useRef(planned);
  plannedRef.current = planned;
  const theme = useThemeVersion();
  const [styles, setStyles] = useState<SeriesStyle[]>([]);
  const [hover, setHover] = useState<number | null>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const st = seriesStyles(kind, el);
    setStyles(st);
    const fg = toCss(themeColor(el, '--fg', '#888'), 0.75);
    const grid = toCss(themeColor(el, '--fg', '#888'), 0.1);
    const font = '10px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
    const xMax = () => {
      const s = useTrainingStore.getState();
      return Math.max(1, s.epochs > 0 ? s.epochs : plannedRef.current);
    };
    const opts: uPlot.Options = {
      width: Math.max(120, el.clientWidth),
      height: Math.max(minHeight, el.clientHeight),
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: {
        x: { time: false, range: (_u, _min, max) => [0, Math.max(xMax(), max ?? 0)] },
        y:
          kind === 'accuracy'
            ? { range: [0, 1] }
            : { range: (_u, min, max) => lossRange(min, max) },
      },
      axes: [
        { stroke: fg, font, size: 26, incrs: EPOCH_INCRS, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1, size: 4 }, values: (_u, vals) => vals.map(tick) },
        {
          stroke: fg,
          font,
          // wide enough for the longest tick label (monospaced: ~6.2 px a character at 10 px)
          size: (_u, values) => Math.max(30, Math.ceil(Math.max(0, ...(values ?? []).map((v) => String(v).length)) * 6.2) + 14),
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1, size: 4 },
          values: (_u, vals) => vals.map((v) => (kind === 'accuracy' ? `${Math.round(v * 100)}%` : tick(v))),
        },
      ],
      series: [
        { label: 'epoch' },
        ...st.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.width,
          spanGaps: true,
          points: { show: false },
          ...(s.dash ? { dash: s.dash } : {}),
        })),
      ],
      hooks: {
        setCursor: [
          (u) => {
            const idx = u.cursor.idx;
            setHover(idx === undefined || idx === null ? null : idx);
          },
        ],
      },
    };
    const u = new uPlot(opts, dataOf(kind, useTrainingStore.getState()) as uPlot.AlignedData, el);
    plot.current = u;

    let frame = 0;
    const draw = () => {
      frame = 0;
      u.setData(dataOf(kind, useTrainingStore.getState()) as uPlot.AlignedData);
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(draw);
    };
    const unsubscribe = useTrainingStore.subscribe((s, prev) => {
      if (s.history !== prev.history || s.batchLoss !== prev.batchLoss || s.epochs !== prev.epochs) schedule();
    });
    const ro = new ResizeObserver(() => {
      const w = Math.max(120, el.clientWidth);
      const h = Math.max(minHeight, el.clientHeight);
      if (w !== u.width || h !== u.height) u.setSize({ width: w, height: h });
    });
    ro.observe(el);
    return () => {
      unsubscribe();
      ro.disconnect();
      if (frame) cancelAnimationFrame(frame);
      u.destroy();
      plot.current = null;
    };
  }, [kind, theme, minHeight]);

  // a new planned epoch count rescales x while no run has said its own
  useEffect(() => {
    const u = plot.current;
    if (u && useTrainingStore.getState().epochs === 0) u.setData(u.data);
  }, [planned]);

  return (
    <figure className="bpp-chart" aria-label={kind === 'loss' ? 'Loss chart' : 'Accuracy chart'}>
      <figcaption className="bpp-chart-head">
        <span className="bpp-chart-title">{kind === 'loss' ? 'Loss' : 'Accuracy'}</span>
        <ChartLegend kind={kind} styles={styles} hover={hover} plot={plot} />
      </figcaption>
      <div ref={box} className="bpp-chart-box" style={{ minHeight }} />
    </figure>
  );
}

/** Series names with their latest value (or the value under the cursor). */
function ChartLegend({ kind, styles, hover, plot }: { kind: MetricKind; styles: SeriesStyle[]; hover: number | null; plot: RefObject<uPlot | null> }) {
  const lastLoss = useTrainingStore((s) => s.lastLoss);
  const last = useTrainingStore((s) => s.history[s.history.length - 1]);
  let values: (number | null)[];
  let at: string | null = null;
  const u = plot.current;
  if (hover !== null && u && u.data[0] && hover < u.data[0].length) {
    values = styles.map((_, i) => (u.data[i + 1]?.[hover] as number | null | undefined) ?? null);
    at = `epoch ${formatNumber(u.data[0][hover] as number, 3)}`;
  } else if (kind === 'loss') values = [lastLoss, last?.loss ?? null, last?.testLoss ?? null];
  else values = [last?.accuracy ?? null, last?.testAccuracy ?? null];
  return (
    <span className="bpp-legend">
      {at && <span className="bpp-muted bpp-num">{at}</span>}
      {styles.map((s, i) =>
        kind === 'loss' && i === 0 && at === null && values[0] === null ? null : (
          <span key={s.label} className="bpp-legend-item">
            <span className={`bpp-swatch${s.dash ? ' bpp-swatch-dash' : ''}`} style={{ borderColor: s.color }} aria-hidden="true" />
            {s.label}
            {kind === 'loss' && i === 0 && at === null ? null : kind === 'accuracy' ? <Num value={values[i] ?? null} percent /> : <Num value={values[i] ?? null} />}
          </span>
        ),
      )}
    </span>
  );
}

