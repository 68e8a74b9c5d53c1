/**
 * File ▸ New from Template: "MLP for this dataset", like Keras' Sequential. The user picks a
 * dataset, the hidden layer sizes and an activation; the engine's `mlpTemplate` builds the graph
 * (sizes left to follow the data) and the document opens ready to train: Create, then Start.
 */
import { useEffect, useId, useState } from 'react';
import { Modal } from './Dialogs';
import { useUi, uiStore } from '../store/ui-store';
import { documentStore } from '../store/document-store';
import { useDataStore } from '../panels';
import { useCatalog } from '../store/catalog-store';
import { fitViewSoon } from '../canvas/flow-api';
import { confirmDiscard } from '../project';
import { parseHidden, suggestedHidden, templateDocument } from './template';

/** Activations that make sense between hidden layers, offered in this order; labels come from the engine's node type. */
const HIDDEN_ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'leakyRelu', 'gelu'] as const;

export function TemplateDialog() {
  const open = useUi((s) => s.dialog === 'template');
  const datasets = useDataStore((s) => s.datasets);
  const fn = useCatalog((s) => s.byType.get('Activation')?.params['fn']);
  const activations = HIDDEN_ACTIVATIONS.map((a) => [a, fn?.kind === 'enum' ? (fn.optionLabels?.[fn.options.indexOf(a)] ?? a) : a] as const);
  const [name, setName] = useState('xor');
  const [hiddenText, setHiddenText] = useState('8');
  const [activation, setActivation] = useState('relu');
  const ids = { dataset: useId(), hidden: useId(), activation: useId() };
  useEffect(() => {
    if (open && datasets === null) void useDataStore.getState().loadDatasets();
  }, [open, datasets]);

  const info = datasets?.find((d) => d.name === name);
  const hidden = parseHidden(hiddenText);
  const close = () => uiStore.getState().closeDialog();
  const create = async () => {
    if (!info || !hidden) return;
    if (!(await confirmDiscard('starting a new graph'))) return;
    documentStore.getState().loadDocument(templateDocument(info, hidden, activation), { fileName: null });
    close();
    uiStore.getState().showDock('training');
    fitViewSoon();
  };

  return (
    <Modal
      open={open}
      onClose={close}
      title="New from template"
      footer={
        <>
          <button type="button" className="bp-btn" onClick={close}>
            Cancel
          </button>
          <button type="button" className="bp-btn bp-btn-primary" disabled={!info || !hidden} onClick={() => void create()}>
            Create
          </button>
        </>
      }
    >
      <p className="bp-muted bp-small">
        An MLP for the dataset you choose, like Keras’ Sequential: the input and output sizes and the loss come from the data; you choose the hidden layers.
      </p>
      <div className="bp-field">
        <label htmlFor={ids.dataset}>Dataset</label>
        <select
          id={ids.dataset}
          className="bpp-input"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setHiddenText(suggestedHidden(datasets?.find((d) => d.name === e.target.value)));
          }}
        >
          {(datasets ?? []).map((d) => (
            <option key={d.name} value={d.name}>
              {d.name} — {d.description}
            </option>
          ))}
          {datasets === null && <option value="xor">xor (loading the list…)</option>}
        </select>
      </div>
      <div className="bp-field">
        <label htmlFor={ids.hidden}>Hidden layers</label>
        <input
          id={ids.hidden}
          className="bpp-input"
          value={hiddenText}
          aria-invalid={hidden === null || undefined}
          onChange={(e) => setHiddenText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void create();
          }}
        />
        <p className="bp-field-hint">{hidden === null ? 'Units per layer as whole numbers, e.g. "16, 8"' : hidden.length === 0 ? 'No hidden layer: a linear model' : `${hidden.length} hidden layer${hidden.length === 1 ? '' : 's'}: ${hidden.join(' → ')} units`}</p>
      </div>
      <div className="bp-field">
        <label htmlFor={ids.activation}>Activation</label>
        <select id={ids.activation} className="bpp-input" value={activation} onChange={(e) => setActivation(e.target.value)}>
          {activations.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
    </Modal>
  );
}
