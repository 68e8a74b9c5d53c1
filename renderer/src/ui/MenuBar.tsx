/**
 * The in-page menu bar of web mode (Electron has the native menu instead): the shell's menu
 * description (APP_MENU) with the renderer's extra commands, keyboard navigable like a desktop
 * menu bar (arrows, Enter, Escape), each item showing its shortcut. As a WAI-ARIA menubar it is
 * one Tab stop (roving tab index): ← → move along the bar, ↓ opens a menu, ↑ ↓ Home End move in
 * it, Tab leaves it.
 */
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { APP_MENU } from '../../../electron/shared/ipc-contract';
import { COMMANDS, IS_MAC, keyLabel, runCommand, type AppCommandId } from '../commands';
import { useDocumentStore } from '../store/document-store';
import { useUi } from '../store/ui-store';
import { openRecentEntry, recentEntries } from '../project';
import { rovingIndex, tabStop } from '../lib/roving';
import type { RecentEntry } from '../files';

type Item = { kind: 'command'; id: AppCommandId; label: string } | { kind: 'separator' } | { kind: 'recent' };
interface Menu {
  id: string;
  label: string;
  items: Item[];
}

/** Extra renderer commands placed after a shell command in the web menu. */
const AFTER: Partial<Record<string, AppCommandId[]>> = {
  'save-as': ['save-trained'],
  paste: ['duplicate'],
  'zoom-out': ['auto-layout'],
  'toggle-dock': ['toggle-theme'],
};

export const WEB_MENU: Menu[] = APP_MENU.map((section) => ({
  id: section.id,
  label: section.label,
  items: section.items.flatMap((it): Item[] => {
    if ('separator' in it) return [{ kind: 'separator' }];
    if ('special' in it) return it.special === 'recent' ? [{ kind: 'recent' }] : [];
    const extra = (AFTER[it.command] ?? []).map((id): Item => ({ kind: 'command', id, label: COMMANDS[id as keyof typeof COMMANDS].label }));
    return [{ kind: 'command', id: it.command, label: it.label }, ...extra];
  }),
})).map((m) => ({ ...m, items: m.items.filter((it, i, all) => !(it.kind === 'separator' && (i === all.length - 1 || all[i + 1]?.kind === 'separator'))) }));

function itemEnabled(id: AppCommandId): boolean {
  const c = (COMMANDS as Record<string, { enabled?(): boolean }>)[id];
  return !c?.enabled || c.enabled();
}

function MenuList({ menu, onClose, focusFirst }: { menu: Menu; onClose(refocus: boolean): void; focusFirst: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const past = useDocumentStore((s) => s.past);
  const future = useDocumentStore((s) => s.future);
  useDocumentStore((s) => s.selection);
  useDocumentStore((s) => s.clipboard);
  const [recent] = useState<RecentEntry[]>(() => (menu.id === 'file' ? recentEntries() : []));
  useEffect(() => {
    if (focusFirst) ref.current?.querySelector<HTMLButtonElement>('[role="menuitem"]:not([disabled])')?.focus();
  }, [focusFirst]);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Tab') {
      // Tab leaves the menu bar: from its (now focused) menu title the browser moves on
      onClose(true);
      return;
    }
    const items = [...(ref.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]:not([disabled])') ?? [])];
    const i = items.indexOf(document.activeElement as HTMLButtonElement);
    const next = rovingIndex(i, items.length, e.key, { orientation: 'vertical', wrap: true });
    if (next === null) return;
    e.preventDefault();
    items[next]?.focus();
  };
  const labelFor = (it: Extract<Item, { kind: 'command' }>) => {
    if (it.id === 'undo' && past.length) return `Undo ${past[past.length - 1]!.label}`;
    if (it.id === 'redo' && future.length) return `Redo ${future[future.length - 1]!.label}`;
    return it.label;
  };
  return (
    <div className="bp-menu" role="menu" aria-label={menu.label} ref={ref} onKeyDown={onKey}>
      {menu.items.map((it, i) => {
        if (it.kind === 'separator') return <div key={i} role="separator" className="bp-menu-sep" />;
        if (it.kind === 'recent') {
          return (
            <div key={i} role="group" aria-label="Open Recent" className="bp-menu-group">
              <div className="bp-menu-group-label">Open Recent</div>
              {recent.length === 0 ? (
                <button type="button" role="menuitem" className="bp-menu-item is-sub" tabIndex={-1} disabled>
                  <span>No recent files</span>
                </button>
              ) : (
                recent.map((r) => (
                  <button
                    key={r.name}
                    type="button"
                    role="menuitem"
                    className="bp-menu-item is-sub"
                    tabIndex={-1}
                    onClick={() => {
                      onClose(false);
                      void openRecentEntry(r);
                    }}
                  >
                    <span>{r.name}</span>
                  </button>
                ))
              )}
            </div>
          );
        }
        const spec = COMMANDS[it.id as keyof typeof COMMANDS];
        const keys = spec?.keys?.[0];
        const enabled = itemEnabled(it.id);
        return (
          <button
            key={it.id}
            type="button"
            role="menuitem"
            className="bp-menu-item"
            tabIndex={-1}
            aria-label={labelFor(it)}
            {...(keys ? { 'aria-keyshortcuts': keys.replace('Mod', IS_MAC ? 'Meta' : 'Control') } : {})}
            disabled={!enabled}
            onClick={() => {
              onClose(false);
              void runCommand(it.id);
            }}
          >
            <span>{labelFor(it)}</span>
            {keys && <kbd>{keyLabel(keys)}</kbd>}
          </button>
        );
      })}
    </div>
  );
}

export function MenuBar() {
  const [open, setOpen] = useState<string | null>(null);
  const [viaKeyboard, setViaKeyboard] = useState(false);
  /** The menu title that holds the bar's one Tab stop. */
  const [current, setCurrent] = useState(0);
  const bar = useRef<HTMLDivElement>(null);
  const dialog = useUi((s) => s.dialog);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!bar.current?.contains(e.target as Node)) setOpen(null);
    };
    window.addEventListener('mousedown', onDown);
    return () => window.removeEventListener('mousedown', onDown);
  }, [open]);
  useEffect(() => {
    if (dialog) setOpen(null);
  }, [dialog]);

  const close = (refocus: boolean) => {
    const id = open;
    setOpen(null);
    if (refocus && id) bar.current?.querySelector<HTMLButtonElement>(`[data-menu="${id}"]`)?.focus();
  };

  const onBarKey = (e: KeyboardEvent) => {
    const tops = [...(bar.current?.querySelectorAll<HTMLButtonElement>('.bp-menubar-top') ?? [])];
    const cur = tops.findIndex((b) => b.dataset['menu'] === open) >= 0 ? tops.findIndex((b) => b.dataset['menu'] === open) : tops.indexOf(document.activeElement as HTMLButtonElement);
    const move = e.key === 'ArrowRight' || e.key === 'ArrowLeft' || (!open && (e.key === 'Home' || e.key === 'End'));
    if (move) {
      e.preventDefault();
      const next = tops[rovingIndex(cur, tops.length, e.key, { orientation: 'horizontal', wrap: true }) ?? cur];
      next?.focus();
      if (open) {
        setViaKeyboard(true);
        setOpen(next?.dataset['menu'] ?? null);
      }
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    } else if (e.key === 'ArrowDown' && !open && cur >= 0) {
      e.preventDefault();
      setViaKeyboard(true);
      setOpen(tops[cur]!.dataset['menu'] ?? null);
    }
  };

  return (
    <div className="bp-menubar" role="menubar" aria-label="Main menu" ref={bar} onKeyDown={onBarKey}>
      {WEB_MENU.map((m, i) => (
        <div className="bp-menubar-entry" key={m.id}>
          <button
            type="button"
            role="menuitem"
            className={`bp-menubar-top${open === m.id ? ' is-open' : ''}`}
            tabIndex={i === tabStop(current, WEB_MENU.length) ? 0 : -1}
            onFocus={() => setCurrent(i)}
            data-menu={m.id}
            aria-haspopup="menu"
            aria-expanded={open === m.id}
            onClick={(e) => {
              setViaKeyboard(e.detail === 0);
              setOpen(open === m.id ? null : m.id);
            }}
            onMouseEnter={() => open && open !== m.id && setOpen(m.id)}
          >
            {m.label}
          </button>
          {open === m.id && <MenuList menu={m} onClose={close} focusFirst={viaKeyboard} />}
        </div>
      ))}
    </div>
  );
}
