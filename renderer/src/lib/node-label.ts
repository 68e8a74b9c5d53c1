/**
 * A canvas node's accessible name: its type and title, then every diagnostic on it with its own
 * severity, errors first ("Linear node hidden — error: …; warning: …"). Pure.
 */
import type { Severity } from '../../../engine/graph/validate';

const WORD: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'note' };
const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function nodeAccessibleLabel(typeLabel: string, title: string, diagnostics: readonly { severity: Severity; message: string }[]): string {
  const name = `${typeLabel} node ${title}`;
  if (diagnostics.length === 0) return name;
  const seen = new Set<string>();
  const parts = diagnostics
    .map((d, i) => ({ ...d, i }))
    .sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.i - b.i)
    .map((d) => `${WORD[d.severity]}: ${d.message}`)
    .filter((t) => !seen.has(t) && !!seen.add(t));
  return `${name} — ${parts.join('; ')}`;
}
