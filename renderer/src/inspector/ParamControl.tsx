/**
 * One param of the selected node, with the control its spec calls for: number inputs with their
 * range and a message when the value is out of it, a checkbox, a select with the option labels,
 * a shape or dims as a comma list, a tensor value as JSON. Text fields keep a draft and commit
 * on Enter or blur, so one edit is one undo step.
 */
import { useEffect, useId, useState } from 'react';
import type { ParamSpec } from '../lib/node-types';
import { paramToText, rangeText, textToParam } from './param-text';

export interface ParamControlProps {
  name: string;
  spec: ParamSpec;
  value: unknown;
  /** Whether the node stores the value (else the default, or the value it follows, shows). */
  explicit: boolean;
  /** The value shown follows the graph (the param is unset and `spec.follows` worked it out). */
  followed?: boolean;
  onCommit(value: unknown): void;
  onReset(): void;
}

export function ParamControl({ name, spec, value, explicit, followed = false, onCommit, onReset }: ParamControlProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errId = `${id}-err`;
  const text = paramToText(spec, value);
  const [draft, setDraft] = useState<string | null>(null);
  useEffect(() => setDraft(null), [text]);

  const current = draft ?? text;
  const parsed = draft === null ? null : textToParam(spec, draft);
  const error = parsed && !parsed.ok ? parsed.message : null;
  const range = rangeText(spec);

  const commit = () => {
    if (draft === null) return;
    const p = textToParam(spec, draft);
    if (p.ok) {
      if (JSON.stringify(p.value) !== JSON.stringify(value)) onCommit(p.value);
      setDraft(null);
    }
  };

  const label = (
    <div className="bp-field-label">
      <label htmlFor={id} title={spec.description}>
        {spec.label}
      </label>
      {followed && (
        <span className="bp-auto" title={`Follows ${spec.follows}: type a value to set it yourself`}>
          auto
        </span>
      )}
      {explicit && spec.follows !== undefined && (
        <button type="button" className="bp-reset" onClick={onReset} title={`Let ${spec.label} follow ${spec.follows} again`} aria-label={`${spec.label}: back to auto`}>
          ↺ auto
        </button>
      )}
      {explicit && spec.follows === undefined && JSON.stringify(value) !== JSON.stringify(spec.default) && (
        <button type="button" className="bp-reset" onClick={onReset} title={`Reset ${spec.label} to its default (${paramToText(spec, spec.default) || 'empty'})`} aria-label={`Reset ${spec.label}`}>
          ↺
        </button>
      )}
    </div>
  );

  let control;
  switch (spec.kind) {
    case 'bool':
      return (
        <div className="bp-field bp-field-check">
          <input id={id} type="checkbox" checked={value === true} onChange={(e) => onCommit(e.target.checked)} aria-describedby={hintId} />
          {label}
          <p className="bp-field-hint" id={hintId}>{spec.description}</p>
        </div>
      );
    case 'enum':
      control = (
        <select id={id} value={typeof value === 'string' ? value : ''} onChange={(e) => onCommit(e.target.value)} aria-describedby={hintId}>
          {!spec.options.includes(String(value)) && <option value={String(value)}>{String(value)} (unknown)</option>}
          {spec.options.map((o, i) => (
            <option key={o} value={o}>
              {spec.optionLabels?.[i] ?? o}
            </option>
          ))}
        </select>
      );
      break;
    case 'tensor':
      control = (
        <textarea
          id={id}
          className="bp-mono"
          rows={Math.min(6, Math.max(1, Math.ceil(current.length / 28)))}
          value={current}
          placeholder={spec.default === null ? 'empty (none)' : 'e.g. [[1, 2], [3, 4]]'}
          spellCheck={false}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) commit();
            if (e.key === 'Escape') setDraft(null);
          }}
          aria-invalid={!!error}
          aria-describedby={`${hintId}${error ? ` ${errId}` : ''}`}
        />
      );
      break;
    default: {
      const numeric = spec.kind === 'int' || spec.kind === 'float';
      control = (
        <input
          id={id}
          type="text"
          inputMode={numeric ? (spec.kind === 'int' ? 'numeric' : 'decimal') : undefined}
          className={numeric || spec.kind === 'shape' || spec.kind === 'dims' ? 'bp-mono' : undefined}
          value={current}
          placeholder={spec.kind === 'shape' && spec.allowEmpty ? 'from the dataset' : spec.kind === 'dims' ? 'all dimensions' : undefined}
          spellCheck={false}
          autoComplete="off"
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commit();
            if (e.key === 'Escape') setDraft(null);
            if (numeric && (e.key === 'ArrowUp' || e.key === 'ArrowDown') && typeof value === 'number') {
              e.preventDefault();
              const step = spec.kind === 'int' ? 1 : Math.abs(value) >= 1 ? 0.1 : 0.01;
              const next = Number((value + (e.key === 'ArrowUp' ? step : -step)).toPrecision(12));
              const p = textToParam(spec, String(next));
              if (p.ok) onCommit(p.value);
            }
          }}
          aria-invalid={!!error}
          aria-describedby={`${hintId}${error ? ` ${errId}` : ''}`}
        />
      );
    }
  }

  return (
    <div className={`bp-field${error ? ' is-invalid' : ''}`} data-param={name}>
      {label}
      {control}
      {error ? (
        <p className="bp-field-error" id={errId} role="alert">
          {error}
        </p>
      ) : null}
      <p className="bp-field-hint" id={hintId}>
        {spec.description}
        {range ? <span className="bp-mono"> ({range})</span> : null}
      </p>
    </div>
  );
}
