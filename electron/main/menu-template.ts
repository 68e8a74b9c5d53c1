/**
 * The native menu, built from the shared APP_MENU description. Each item sends its command id
 * to the renderer, which runs it (`runCommand`) as it does from its own shortcuts and in-page
 * menu. Plain module: main passes the result to `Menu.buildFromTemplate`.
 */
import type { MenuItemConstructorOptions } from 'electron';
import { basename, dirname } from 'node:path';
import { APP_MENU, OPEN_RECENT_PREFIX, type CommandId, type MenuCommandItem } from '../shared/ipc-contract';

export interface MenuInput {
  platform: NodeJS.Platform;
  recent: readonly string[];
  send(id: CommandId): void;
  clearRecent(): void;
  /** Adds View ▸ Toggle Developer Tools (unpackaged builds). */
  devTools: boolean;
  appName?: string;
}

export function acceleratorFor(item: MenuCommandItem, platform: NodeJS.Platform): string | undefined {
  const a = item.accelerator;
  if (a === undefined || typeof a === 'string') return a;
  return platform === 'darwin' ? a.mac : a.other;
}

function shorten(dir: string, max = 48): string {
  return dir.length <= max ? dir : `…${dir.slice(dir.length - max + 1)}`;
}

export function recentSubmenu(input: MenuInput): MenuItemConstructorOptions[] {
  if (input.recent.length === 0) return [{ label: 'No Recent Files', enabled: false }];
  return [
    ...input.recent.map(
      (path, i): MenuItemConstructorOptions => ({
        // `&&` keeps a literal ampersand (Windows and Linux read a single one as a mnemonic)
        label: `${i < 9 ? `${i + 1}  ` : ''}${basename(path).replace(/&/g, '&&')}   —   ${shorten(dirname(path)).replace(/&/g, '&&')}`,
        click: () => input.send(`${OPEN_RECENT_PREFIX}${path}`),
      }),
    ),
    { type: 'separator' },
    { label: 'Clear Recent', click: () => input.clearRecent() },
  ];
}

export function buildMenuTemplate(input: MenuInput): MenuItemConstructorOptions[] {
  const mac = input.platform === 'darwin';
  const appName = input.appName ?? 'Backprop Studio';
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: appName,
      submenu: [
        { label: `About ${appName}`, click: () => input.send('about') },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }
  for (const section of APP_MENU) {
    const submenu: MenuItemConstructorOptions[] = [];
    for (const entry of section.items) {
      if ('separator' in entry) submenu.push({ type: 'separator' });
      else if ('special' in entry) {
        if (entry.special === 'recent') submenu.push({ label: 'Open Recent', submenu: recentSubmenu(input) });
        // on macOS Quit lives in the app menu
        else if (entry.special === 'quit' && !mac) submenu.push({ role: 'quit', label: 'Quit', accelerator: 'Ctrl+Q' });
      } else {
        const accelerator = acceleratorFor(entry, input.platform);
        const id = entry.command;
        submenu.push({
          id: `command:${id}`,
          label: entry.label,
          ...(accelerator ? { accelerator } : {}),
          ...(entry.displayOnly ? { registerAccelerator: false } : {}),
          click: () => input.send(id),
        });
      }
    }
    while (submenu.at(-1)?.type === 'separator') submenu.pop();
    if (section.id === 'view' && input.devTools) submenu.push({ type: 'separator' }, { role: 'toggleDevTools' });
    const item: MenuItemConstructorOptions = { label: section.label, submenu };
    if (section.id === 'help') item.role = 'help';
    if (section.id === 'help' && mac) template.push({ role: 'windowMenu' });
    template.push(item);
  }
  return template;
}
