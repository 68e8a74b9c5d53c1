/**
 * The Data tab: which dataset the document trains on (built-ins with their params, CSV and IDX
 * imports), how it is split and normalised — all written to the document's training settings —
 * and a preview: class distribution, a table of the first rows, an image grid, or a scatter of
 * 2-D points.
 */
import { useEffect, useId, useMemo, useState } from 'react';
import type { BuiltinDatasetInfo, BuiltinParamSpec } from '../../../engine/data/builtin';
import type { DatasetPreview } from '../../../engine/service/protocol';
import { useDataStore, useTrainingStore } from './training-store';
import { useSetTraining, useTrainingSettings } from './document-bridge';
import { chooseDataset, hasOfficialTestSplit, paramValue, setDatasetParam, type TrainingSettings } from './settings';
import { isImage, isTwoD } from './data-model';
import { parseCsvHead, readFileAsBase64, readFileAsText, type CsvHead } from './files';
import { formatShape } from './format';
import { classIndexOf } from './color';
import { isActive } from './training-reducer';
import { CheckField, ClassBars, classNamesOf, Field, Message, Num, NumberField, Section, SelectField } from './ui';
import { ImageThumb, ScatterPlot } from './plots';
import './panels.css';

const NORMALIZE_OPTIONS = [
  { value: 'none', label: 'None' },
  { value: 'standardize', label: 'Standardise (z-score)' },
  { value: 'minmax', label: 'Min–max to 0…1' },
  { value: 'scale255', label: 'Divide by 255 (pixels)' },
] as const;

export function DataPanel() {
  const settings = useTrainingSettings();
  const setTraining = useSetTraining();
  const datasets = useDataStore((s) => s.datasets);
  const datasetsError = useDataStore((s) => s.datasetsError);
  const status = useTrainingStore((s) => s.status);
  const installed = useDataStore((s) => s.installed);
  const [importing, setImporting] = useState<null | 'csv' | 'idx'>(null);
  const locked = isActive(status);

  useEffect(() => {
    void useDataStore.getState().loadDatasets();
  }, []);
  const ref = settings.dataset;
  useEffect(() => {
    void useDataStore.getState().ensurePreview(ref ?? null);
  }, [ref]);

  return (
    <div className="bpp-panel bpp-data" aria-label="Data">
      <div className="bpp-col bpp-col-settings">
        {datasetsError && <Message kind="error">Cannot list the datasets: {datasetsError}</Message>}
        <DatasetPicker settings={settings} datasets={datasets} setTraining={setTraining} disabled={locked} onImport={setImporting} />
        {locked && <p className="bpp-muted bpp-small">Training is running: data settings apply to the next run.</p>}
        {installed && (
          <Message kind="info" onDismiss={() => useDataStore.getState().clearInstalled()}>
            Fashion-MNIST ({installed.train.toLocaleString()} training and {installed.test.toLocaleString()} test images) is kept in {installed.dir}: the
            built-in fashion-mnist dataset uses it from now on.
          </Message>
        )}
      </div>
      <div className="bpp-col bpp-col-settings">
        <SplitSettings settings={settings} datasets={datasets} setTraining={setTraining} disabled={locked} />
      </div>
      <div className="bpp-col bpp-col-main">
        {importing === 'csv' ? (
          <CsvImport onDone={() => setImporting(null)} setTraining={setTraining} />
        ) : importing === 'idx' ? (
          <IdxImport onDone={() => setImporting(null)} setTraining={setTraining} />
        ) : (
          <PreviewView />
        )}
      </div>
    </div>
  );
}

function DatasetPicker({ settings, datasets, setTraining, disabled, onImport }: {
  settings: TrainingSettings;
  datasets: BuiltinDatasetInfo[] | null;
  setTraining(p: Partial<TrainingSettings>): void;
  disabled: boolean;
  onImport(kind: 'csv' | 'idx'): void;
}) {
  const imported = useDataStore((s) => s.imported);
  const id = useId();
  const current = settings.dataset?.name ?? '';
  const info = datasets?.find((d) => d.name === current);
  const known = !!info || imported.some((d) => d.ref.name === current);

  const choose = (name: string) => {
    if (name === current) return;
    const builtin = datasets?.find((d) => d.name === name);
    if (builtin) setTraining(chooseDataset(name, builtin, settings));
    else {
      const up = imported.find((d) => d.ref.name === name);
      if (up) setTraining({ dataset: { name: up.ref.name, params: { ...up.ref.params } }, testDataset: undefined });
    }
  };

  return (
    <Section
      title="Source"
      actions={
        <span className="bpp-row-gap">
          <button type="button" className="bpp-btn bpp-btn-small" onClick={() => onImport('csv')} disabled={disabled}>
            Import CSV…
          </button>
          <button type="button" className="bpp-btn bpp-btn-small" onClick={() => onImport('idx')} disabled={disabled}>
            Import IDX…
          </button>
        </span>
      }
    >
      <div className="bpp-field bpp-field-wide">
        <label htmlFor={id}>Dataset</label>
        <select id={id} className="bpp-input" value={current} disabled={disabled || !datasets} onChange={(e) => choose(e.target.value)}>
          {current === '' && <option value="">Choose a dataset…</option>}
          {!known && current !== '' && <option value={current}>{current}</option>}
          <optgroup label="Built-in">
            {(datasets ?? []).map((d) => (
              <option key={d.name} value={d.name}>
                {d.name}
              </option>
            ))}
          </optgroup>
          {imported.length > 0 && (
            <optgroup label="Imported">
              {imported.map((d) => (
                <option key={d.ref.name} value={d.ref.name}>
                  {d.label} ({d.kind.toUpperCase()})
                </option>
              ))}
            </optgroup>
          )}
        </select>
      </div>
      {info && <p className="bpp-desc">{info.description}</p>}
      {info && settings.dataset && (
        <div className="bpp-grid2">
          {info.params
            .filter((p) => !(p.name === 'split' && settings.testDataset))
            .map((p) => (
              <ParamControl
                key={p.name}
                spec={p}
                value={paramValue(settings.dataset!.params, p)}
                disabled={disabled}
                onChange={(v) => setTraining(setDatasetParam(settings, p.name, v))}
              />
            ))}
        </div>
      )}
    </Section>
  );
}

function ParamControl({ spec, value, onChange, disabled }: { spec: BuiltinParamSpec; value: string | number; onChange(v: string | number): void; disabled: boolean }) {
  if (spec.kind === 'choice') {
    return (
      <SelectField
        label={spec.name}
        hint={spec.description}
        value={String(value)}
        disabled={disabled}
        options={(spec.choices ?? []).map((c) => ({ value: c, label: c }))}
        onChange={onChange}
      />
    );
  }
  if (spec.kind === 'string') return <TextParam spec={spec} value={String(value)} onChange={onChange} disabled={disabled} />;
  const num = typeof value === 'number' ? value : Number(value);
  return (
    <NumberField
      label={spec.name}
      hint={spec.description}
      value={Number.isFinite(num) ? num : Number(spec.default)}
      integer={spec.kind === 'integer'}
      {...(spec.min !== undefined ? { min: spec.min } : {})}
      {...(spec.max !== undefined ? { max: spec.max } : {})}
      step={spec.kind === 'integer' ? 1 : 0.05}
      disabled={disabled}
      onCommit={onChange}
    />
  );
}

function TextParam({ spec, value, onChange, disabled }: { spec: BuiltinParamSpec; value: string; onChange(v: string): void; disabled: boolean }) {
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  const commit = () => {
    if (draft !== null && draft !== value) onChange(draft);
    setDraft(null);
  };
  return (
    <Field label={spec.name} htmlFor={id} hint={spec.description}>
      <input
        id={id}
        className="bpp-input"
        value={draft ?? value}
        disabled={disabled}
        title={spec.description}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
      />
    </Field>
  );
}

function SplitSettings({ settings, datasets, setTraining, disabled }: {
  settings: TrainingSettings;
  datasets: BuiltinDatasetInfo[] | null;
  setTraining(p: Partial<TrainingSettings>): void;
  disabled: boolean;
}) {
  const info = datasets?.find((d) => d.name === settings.dataset?.name);
  const official = !!settings.testDataset;
  return (
    <>
      <Section title="Split">
        {hasOfficialTestSplit(info) && (
          <CheckField
            label="Test on the official test split"
            checked={official}
            disabled={disabled}
            hint="Train on the dataset's train split and test on its separate test split"
            onChange={(v) =>
              setTraining(
                v && settings.dataset
                  ? { testDataset: { name: settings.dataset.name, params: { ...settings.dataset.params, split: 'test' } }, dataset: { name: settings.dataset.name, params: { ...settings.dataset.params, split: 'train' } }, split: { ...settings.split, test: 0 } }
                  : { testDataset: undefined, split: { validation: settings.split.validation, stratify: settings.split.stratify } },
              )
            }
          />
        )}
        <div className="bpp-grid2">
          <NumberField
            label="Test fraction"
            hint={official ? 'Not used: the official test split is the test data' : 'Fraction of the samples held out for testing; auto: 0.2, or every row for datasets under 50 rows'}
            value={settings.split.test}
            auto={{ text: 'auto', onAuto: () => setTraining({ split: { validation: settings.split.validation, stratify: settings.split.stratify } }) }}
            min={0}
            max={1}
            exclusiveMax
            step={0.05}
            disabled={disabled || official}
            onCommit={(v) => setTraining({ split: { ...settings.split, test: v } })}
          />
          <NumberField
            label="Validation fraction"
            hint="Fraction of the samples held out for validation"
            value={settings.split.validation}
            min={0}
            max={1}
            exclusiveMax
            step={0.05}
            disabled={disabled}
            onCommit={(v) => setTraining({ split: { ...settings.split, validation: v } })}
          />
        </div>
        <CheckField
          label="Stratified split"
          hint="Keep the class proportions the same in every split"
          checked={settings.split.stratify}
          disabled={disabled}
          onChange={(v) => setTraining({ split: { ...settings.split, stratify: v } })}
        />
      </Section>
      <Section title="Normalisation">
        <SelectField
          label="Normalise features"
          value={settings.normalize}
          options={NORMALIZE_OPTIONS}
          disabled={disabled}
          hint="Statistics come from the training split only"
          onChange={(v) => setTraining({ normalize: v })}
        />
      </Section>
    </>
  );
}

function PreviewView() {
  const preview = useDataStore((s) => s.preview);
  const loading = useDataStore((s) => s.previewLoading);
  const error = useDataStore((s) => s.previewError);
  const imported = useDataStore((s) => s.imported);
  const settings = useTrainingSettings();
  const warnings = imported.find((d) => d.ref.name === settings.dataset?.name)?.warnings ?? [];

  if (!settings.dataset) return <p className="bpp-empty">Choose a dataset, or import a CSV or IDX file.</p>;
  if (error) return <Message kind="error">Cannot load “{settings.dataset.name}”: {error}</Message>;
  if (!preview) return <p className="bpp-empty" aria-busy="true">Loading the preview…</p>;
  return (
    <div className={`bpp-preview${loading ? ' bpp-stale' : ''}`} aria-busy={loading || undefined}>
      <PreviewSummary preview={preview} />
      {warnings.map((w, i) => (
        <Message key={i} kind="warning">
          {w}
        </Message>
      ))}
      <div className="bpp-cards">
        {preview.classCounts && (
          <Section title="Classes" className="bpp-card bpp-card-bars">
            <ClassBars label="Class distribution" names={classNamesOf(preview.classNames, preview.classCounts.length)} values={preview.classCounts} />
          </Section>
        )}
        {isTwoD(preview) && preview.points && (
          <Section title={`Points${preview.points.length < preview.numSamples ? ` (first ${preview.points.length})` : ''}`} className="bpp-card">
            <ScatterPlot
              points={preview.points}
              boundary={null}
              numClasses={preview.classCounts?.length ?? 2}
              regression={preview.task === 'regression'}
              size={180}
              label={`Scatter plot of ${preview.name}`}
            />
          </Section>
        )}
        {isImage(preview) && preview.images.length > 0 && (
          <Section title={`First ${preview.images.length} images`} className="bpp-card bpp-card-grow">
            <ImageGrid preview={preview} />
          </Section>
        )}
        {!isImage(preview) && preview.rows.length > 0 && (
          <Section title={`First ${preview.rows.length} rows`} className="bpp-card bpp-card-grow">
            <PreviewTable preview={preview} />
          </Section>
        )}
      </div>
    </div>
  );
}

function PreviewSummary({ preview }: { preview: DatasetPreview }) {
  const classes = preview.classCounts?.length ?? 0;
  return (
    <p className="bpp-summary">
      <strong>{preview.name}</strong> · <Num value={preview.numSamples} /> samples · features <span className="bpp-num">{formatShape(preview.featureShape)}</span> ·{' '}
      {preview.task === 'classification' ? (
        <>
          <Num value={classes} /> classes
        </>
      ) : (
        <>regression, target <span className="bpp-num">{formatShape(preview.targetShape)}</span></>
      )}
    </p>
  );
}

function labelText(preview: DatasetPreview, label: number): string {
  if (preview.task !== 'classification') return String(label);
  const k = classIndexOf(label);
  return preview.classNames?.[k] ?? String(label);
}

function PreviewTable({ preview }: { preview: DatasetPreview }) {
  const width = preview.rows[0]?.features.length ?? 0;
  const names = preview.featureNames ?? Array.from({ length: width }, (_, j) => `x${j + 1}`);
  const shown = Math.min(width, 24);
  return (
    <div className="bpp-table-wrap">
      <table className="bpp-table">
        <thead>
          <tr>
            <th scope="col">#</th>
            {names.slice(0, shown).map((n, j) => (
              <th key={j} scope="col" title={n}>
                {n}
              </th>
            ))}
            {width > shown && <th scope="col">… {width - shown} more</th>}
            <th scope="col" className="bpp-label-col">
              label
            </th>
          </tr>
        </thead>
        <tbody>
          {preview.rows.map((r, i) => (
            <tr key={i}>
              <td className="bpp-muted bpp-num">{i}</td>
              {r.features.slice(0, shown).map((v, j) => (
                <td key={j}>
                  <Num value={v} compact />
                </td>
              ))}
              {width > shown && <td className="bpp-muted">…</td>}
              <td className="bpp-label-col">{labelText(preview, r.label)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ImageGrid({ preview }: { preview: DatasetPreview }) {
  const [h, w] = preview.featureShape as [number, number];
  return (
    <ul className="bpp-image-grid" aria-label="Images with their labels">
      {preview.images.map((img, i) => {
        const label = labelText(preview, img.label);
        return (
          <li key={i}>
            <ImageThumb pixels={img.pixels} width={w} height={h} title={`image ${i}: ${label}`} />
            <span className="bpp-image-label" title={label}>
              {label}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

function CsvImport({ onDone, setTraining }: { onDone(): void; setTraining(p: Partial<TrainingSettings>): void }) {
  const fileId = useId();
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [readError, setReadError] = useState<string | null>(null);
  const [labelCol, setLabelCol] = useState(0);
  const [task, setTask] = useState<'auto' | 'classification' | 'regression'>('auto');
  const importing = useDataStore((s) => s.importing);
  const importError = useDataStore((s) => s.importError);
  const head: CsvHead | null = useMemo(() => (file ? parseCsvHead(file.text, 6) : null), [file]);

  const pick = async (f: File | undefined) => {
    setReadError(null);
    useDataStore.getState().clearImportError();
    if (!f) return;
    try {
      const text = await readFileAsText(f);
      const h = parseCsvHead(text, 6);
      setFile({ name: f.name, text });
      setLabelCol(Math.max(0, h.columns.length - 1));
    } catch (e) {
      setReadError(`Cannot read ${f.name}: ${(e as Error).message}`);
    }
  };
  const run = async () => {
    if (!file) return;
    const r = await useDataStore.getState().importCsv({ name: file.name, text: file.text, label: labelCol, task });
    if (r) {
      setTraining({ dataset: { name: r.ref.name, params: { ...r.ref.params } }, testDataset: undefined });
      onDone();
    }
  };

  return (
    <Section title="Import a CSV file" actions={<button type="button" className="bpp-btn bpp-btn-small" onClick={onDone}>Cancel</button>}>
      <div className="bpp-row-gap bpp-wrap">
        <Field label="CSV file" htmlFor={fileId}>
          <input id={fileId} type="file" accept=".csv,.txt,text/csv" className="bpp-file" onChange={(e) => void pick(e.target.files?.[0])} />
        </Field>
        {head && (
          <>
            <SelectField
              label="Label column"
              value={String(labelCol)}
              options={head.columns.map((c, j) => ({ value: String(j), label: c }))}
              onChange={(v) => setLabelCol(Number(v))}
            />
            <SelectField
              label="Task"
              value={task}
              options={[
                { value: 'auto', label: 'Auto (from the label column)' },
                { value: 'classification', label: 'Classification' },
                { value: 'regression', label: 'Regression' },
              ]}
              onChange={setTask}
            />
            <button type="button" className="bpp-btn bpp-btn-primary bpp-align-end" onClick={() => void run()} disabled={importing}>
              {importing ? 'Importing…' : 'Import'}
            </button>
          </>
        )}
      </div>
      {readError && <Message kind="error">{readError}</Message>}
      {importError && <Message kind="error">{importError}</Message>}
      {head && (
        <>
          <p className="bpp-muted bpp-small">
            {head.hasHeader ? 'Row 1 is a header.' : 'No header row: columns are numbered.'} Click a column to make it the label; every other column is a feature.
          </p>
          <div className="bpp-table-wrap">
            <table className="bpp-table">
              <thead>
                <tr>
                  {head.columns.map((c, j) => (
                    <th key={j} scope="col" className={j === labelCol ? 'bpp-label-col' : undefined}>
                      <button type="button" className="bpp-th-btn" aria-pressed={j === labelCol} onClick={() => setLabelCol(j)} title={`Use “${c}” as the label`}>
                        {c}
                        {j === labelCol ? ' (label)' : ''}
                      </button>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {head.rows.map((r, i) => (
                  <tr key={i}>
                    {head.columns.map((_, j) => (
                      <td key={j} className={j === labelCol ? 'bpp-label-col' : 'bpp-num'}>
                        {r[j] ?? ''}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Section>
  );
}

function IdxImport({ onDone, setTraining }: { onDone(): void; setTraining(p: Partial<TrainingSettings>): void }) {
  const imagesId = useId();
  const labelsId = useId();
  const testImagesId = useId();
  const testLabelsId = useId();
  const nameId = useId();
  const [images, setImages] = useState<File | null>(null);
  const [labels, setLabels] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [classes, setClasses] = useState<'none' | 'digits' | 'fashion-mnist'>('none');
  // Keep the files in the user data folder, where the built-in fashion-mnist finds them next time.
  const [keep, setKeep] = useState(false);
  const [testImages, setTestImages] = useState<File | null>(null);
  const [testLabels, setTestLabels] = useState<File | null>(null);
  const [readError, setReadError] = useState<string | null>(null);
  const [reading, setReading] = useState(false);
  const importing = useDataStore((s) => s.importing);
  const importError = useDataStore((s) => s.importError);
  const keeping = classes === 'fashion-mnist' && keep;

  const run = async () => {
    if (!images || !labels || (keeping && (!testImages || !testLabels))) return;
    setReadError(null);
    setReading(true);
    let img: string, lab: string, testImg = '', testLab = '';
    try {
      [img, lab, testImg, testLab] = await Promise.all([
        readFileAsBase64(images),
        readFileAsBase64(labels),
        keeping ? readFileAsBase64(testImages!) : '',
        keeping ? readFileAsBase64(testLabels!) : '',
      ]);
    } catch (e) {
      setReadError(`Cannot read the files: ${(e as Error).message}`);
      setReading(false);
      return;
    }
    setReading(false);
    const store = useDataStore.getState();
    if (keeping && !(await store.installFashionMnist({ trainImages: img, trainLabels: lab, testImages: testImg, testLabels: testLab }))) return;
    const dsName = name.trim() || images.name.replace(/[-.]idx\d?-ubyte(\.gz)?$|\.gz$/i, '') || 'images';
    const r = await store.importIdx({ name: dsName, images: img, labels: lab, ...(classes !== 'none' ? { classes } : {}) });
    if (r) {
      setTraining({ dataset: { name: r.ref.name, params: { ...r.ref.params } }, testDataset: undefined, ...(r.preview.featureShape.length === 2 ? { normalize: 'scale255' as const } : {}) });
      onDone();
    }
  };
  const busy = reading || importing;

  return (
    <Section title="Import IDX files (images and labels)" actions={<button type="button" className="bpp-btn bpp-btn-small" onClick={onDone}>Cancel</button>}>
      <p className="bpp-muted bpp-small">The MNIST format: an images file (…-images-idx3-ubyte, gzipped or not) and its labels file (…-labels-idx1-ubyte).</p>
      <div className="bpp-row-gap bpp-wrap">
        <Field label={keeping ? 'Training images file' : 'Images file'} htmlFor={imagesId}>
          <input id={imagesId} type="file" className="bpp-file" onChange={(e) => setImages(e.target.files?.[0] ?? null)} />
        </Field>
        <Field label={keeping ? 'Training labels file' : 'Labels file'} htmlFor={labelsId}>
          <input id={labelsId} type="file" className="bpp-file" onChange={(e) => setLabels(e.target.files?.[0] ?? null)} />
        </Field>
        <Field label="Name" htmlFor={nameId}>
          <input id={nameId} className="bpp-input" value={name} placeholder={images?.name ?? 'images'} onChange={(e) => setName(e.target.value)} />
        </Field>
        <SelectField
          label="Class names"
          value={classes}
          options={[
            { value: 'none', label: 'Numbers (0, 1, …)' },
            { value: 'digits', label: 'Digits' },
            { value: 'fashion-mnist', label: 'Fashion-MNIST' },
          ]}
          onChange={setClasses}
        />
        <button
          type="button"
          className="bpp-btn bpp-btn-primary bpp-align-end"
          disabled={!images || !labels || (keeping && (!testImages || !testLabels)) || busy}
          onClick={() => void run()}
        >
          {reading ? 'Reading…' : importing ? 'Importing…' : 'Import'}
        </button>
      </div>
      {classes === 'fashion-mnist' && (
        <>
          <CheckField
            label="Keep as Fashion-MNIST for next time"
            checked={keep}
            onChange={setKeep}
            disabled={busy}
            hint="Copy the four files (train and t10k) into the app's data folder, where the built-in fashion-mnist dataset finds them"
          />
          {keeping && (
            <div className="bpp-row-gap bpp-wrap">
              <Field label="Test images file (t10k)" htmlFor={testImagesId}>
                <input id={testImagesId} type="file" className="bpp-file" onChange={(e) => setTestImages(e.target.files?.[0] ?? null)} />
              </Field>
              <Field label="Test labels file (t10k)" htmlFor={testLabelsId}>
                <input id={testLabelsId} type="file" className="bpp-file" onChange={(e) => setTestLabels(e.target.files?.[0] ?? null)} />
              </Field>
            </div>
          )}
        </>
      )}
      {readError && <Message kind="error">{readError}</Message>}
      {importError && <Message kind="error">{importError}</Message>}
    </Section>
  );
}
