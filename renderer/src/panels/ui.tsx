/**
 * Small shared pieces of the panels: numbers (monospaced, 4 significant digits, full value on
 * hover), labelled fields, a number input that commits on Enter, blur or a pause in typing (so
 * one edit is one undo step), messages, and class bars.
 */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { formatCompact, formatNumber, formatPercent, formatShare, fullNumber } from './format';
import { parseNumberInput } from './settings';
import { classColor, toCss } from './color';

/** A number in the monospaced face, 4 significant digits, the full value on hover; `compact` drops trailing zeros (tables of data). */
export function Num({ value, percent, compact, className }: { value: number | null | undefined; percent?: boolean; compact?: boolean; className?: string }) {
  return (
    <span className={`bpp-num${className ? ` ${className}` : ''}`} title={fullNumber(value)}>
      {percent ? formatPercent(value) : compact ? formatCompact(value) : formatNumber(value)}
    </span>
  );
}

export function Field({ label, htmlFor, children, hint, wide }: { label: string; htmlFor?: string; children: ReactNode; hint?: string; wide?: boolean }) {
  return (
    <div className={`bpp-field${wide ? ' bpp-field-wide' : ''}`}>
      <label htmlFor={htmlFor} title={hint}>
        {label}
      </label>
      {children}
    </div>
  );
}

export interface NumberFieldProps {
  label: string;
  /** Undefined: the value is left to follow the data ("auto"), shown as `auto.text`. */
  value: number | undefined;
  onCommit(value: number): void;
  /** Offer "auto": an emptied field calls `onAuto`, and while the value is undefined the field shows `text`. */
  auto?: { text: string; onAuto(): void };
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
  integer?: boolean;
  step?: number | 'any';
  disabled?: boolean;
  hint?: string;
  /** Milliseconds of no typing after which a valid value is committed. */
  debounceMs?: number;
}

/** A number input that keeps a draft while typing and commits valid values once. */
export function NumberField({ label, value, onCommit, auto, min, max, exclusiveMin, exclusiveMax, integer, step, disabled, hint, debounceMs = 600 }: NumberFieldProps) {
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const opts = { min, max, integer, exclusiveMin, exclusiveMax };
  const parsed = draft === null ? value : parseNumberInput(draft, opts);
  const invalid = draft !== null && parsed === null && !(auto && draft.trim() === '');

  const commit = (text: string | null) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    if (text === null) return;
    if (auto && text.trim() === '') {
      if (value !== undefined) auto.onAuto();
      setDraft(null);
      return;
    }
    const v = parseNumberInput(text, opts);
    if (v !== null && v !== value) onCommit(v);
    if (v !== null) setDraft(null);
  };
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);

  const range =
    min !== undefined || max !== undefined
      ? `${integer ? 'a whole number' : 'a number'}${min !== undefined ? ` ${exclusiveMin ? '>' : '≥'} ${min}` : ''}${max !== undefined ? `${min !== undefined ? ' and' : ''} ${exclusiveMax ? '<' : '≤'} ${max}` : ''}`
      : integer
        ? 'a whole number'
        : 'a number';
  return (
    <Field label={label} htmlFor={id} hint={hint}>
      <input
        id={id}
        className="bpp-input bpp-num"
        type="text"
        inputMode={integer ? 'numeric' : 'decimal'}
        value={draft ?? (value === undefined ? '' : String(value))}
        placeholder={auto && value === undefined ? auto.text : undefined}
        disabled={disabled}
        aria-invalid={invalid || undefined}
        title={invalid ? `Enter ${range}` : hint ? `${hint} (${range}${auto ? '; empty for auto' : ''})` : range}
        data-step={step}
        onChange={(e) => {
          const text = e.target.value;
          setDraft(text);
          if (timer.current) clearTimeout(timer.current);
          timer.current = setTimeout(() => commit(text), debounceMs);
        }}
        onBlur={() => {
          if (draft === null) return;
          const v = parseNumberInput(draft, opts);
          commit(draft);
          if (v === null) setDraft(null); // an invalid entry goes back to the document's value
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit(draft);
          else if (e.key === 'Escape') {
            if (timer.current) clearTimeout(timer.current);
            setDraft(null);
          } else if ((e.key === 'ArrowUp' || e.key === 'ArrowDown') && typeof step === 'number') {
            e.preventDefault();
            const base = parsed ?? value ?? min ?? 0;
            let v = base + (e.key === 'ArrowUp' ? step : -step);
            v = Number(v.toPrecision(12));
            if (min !== undefined) v = Math.max(min, v);
            if (max !== undefined) v = Math.min(max, v);
            if (parseNumberInput(String(v), opts) !== null) {
              setDraft(String(v));
              if (timer.current) clearTimeout(timer.current);
              timer.current = setTimeout(() => commit(String(v)), debounceMs);
            }
          }
        }}
      />
    </Field>
  );
}

export function SelectField<T extends string>({ label, value, options, onChange, disabled, hint, wide }: {
  label: string;
  wide?: boolean;
  value: T;
  options: readonly { value: NoInfer<T>; label: string; disabled?: boolean }[];
  onChange(v: NoInfer<T>): void;
  disabled?: boolean;
  hint?: string;
}) {
  const id = useId();
  return (
    <Field label={label} htmlFor={id} hint={hint} wide={wide}>
      <select id={id} className="bpp-input" value={value} disabled={disabled} title={hint} onChange={(e) => onChange(e.target.value as T)}>
        {options.map((o) => (
          <option key={o.value} value={o.value} disabled={o.disabled}>
            {o.label}
          </option>
        ))}
      </select>
    </Field>
  );
}

export function CheckField({ label, checked, onChange, disabled, hint }: { label: string; checked: boolean; onChange(v: boolean): void; disabled?: boolean; hint?: string }) {
  return (
    <label className="bpp-check" title={hint}>
      <input type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} />
      <span>{label}</span>
    </label>
  );
}

export function Message({ kind, children, onDismiss }: { kind: 'error' | 'warning' | 'info'; children: ReactNode; onDismiss?: () => void }) {
  return (
    <div className={`bpp-msg bpp-msg-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      <span className="bpp-msg-text">{children}</span>
      {onDismiss && (
        <button type="button" className="bpp-icon-btn" aria-label="Dismiss" onClick={onDismiss}>
          ×
        </button>
      )}
    </div>
  );
}

export function Section({ title, children, className, actions }: { title: string; children: ReactNode; className?: string; actions?: ReactNode }) {
  const id = useId();
  return (
    <section className={`bpp-section${className ? ` ${className}` : ''}`} aria-labelledby={id}>
      <header className="bpp-section-head">
        <h3 id={id}>{title}</h3>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** Horizontal bars, one per class: name, bar, count (or share). */
export function ClassBars({ names, values, format = 'count', highlight, label }: {
  names: string[];
  values: number[];
  format?: 'count' | 'percent';
  highlight?: number | null;
  label: string;
}) {
  const max = Math.max(1e-12, ...values);
  const total = values.reduce((a, b) => a + b, 0);
  return (
    <ul className="bpp-bars" aria-label={label}>
      {values.map((v, k) => (
        <li key={k} className={highlight === k ? 'bpp-bar-hl' : undefined}>
          <span className="bpp-bar-name" title={names[k] ?? `class ${k}`}>
            {names[k] ?? `class ${k}`}
          </span>
          <span className="bpp-bar-track" aria-hidden="true">
            <span className="bpp-bar-fill" style={{ width: `${(100 * v) / max}%`, background: toCss(classColor(k)) }} />
          </span>
          <span className={`bpp-bar-value bpp-bar-value-${format}`}>
            {format === 'percent' ? (
              <span className="bpp-num" title={fullNumber(v)}>
                {formatShare(v)}
              </span>
            ) : (
              <>
                <Num value={v} />
                {total > 0 ? (
                  <span className="bpp-muted bpp-num" title={fullNumber(v / total)}>
                    {' '}
                    {formatShare(v / total)}
                  </span>
                ) : null}
              </>
            )}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** Class names from a preview or evaluation, else `0`, `1`, … */
export function classNamesOf(names: string[] | null | undefined, count: number): string[] {
  return Array.from({ length: count }, (_, k) => names?.[k] ?? String(k));
}
