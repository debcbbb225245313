/**
 * A few DOM helpers. Text is always set as text (never innerHTML): object names and messages come
 * from the API and may contain anything.
 */
import type { CollectionState } from './api.js';
import { age } from './model.js';

type Child = Node | string | number | false | null | undefined;
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

export function h(tag: string, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** A link that keyboard navigation (j/k) walks through; `key` lets focus survive a re-render. */
export function navLink(href: string, text: string, key: string): HTMLElement {
  return h('a', { href, 'data-nav': '', 'data-key': key }, text);
}

/** "12s ago", kept current by the page's clock (see tickAges). */
export function ageLabel(since: number | undefined, suffix = ' ago'): HTMLElement {
  return h(
    'span',
    {
      class: 'age',
      'data-since': since,
      'data-suffix': suffix,
      title: since ? new Date(since).toISOString() : '',
    },
    since === undefined ? 'never' : age(since, Date.now()) + suffix,
  );
}

/** Refreshes every age label from the clock (the data does not change; only "how long ago" does). */
export function tickAges(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-since]')) {
    const since = Number(el.dataset.since);
    el.textContent = age(since, Date.now()) + (el.dataset.suffix ?? '');
  }
}

export function badge(text: string, kind: string): HTMLElement {
  return h('span', { class: `badge ${kind}` }, text);
}

/** The "visible" state of a collection: loading, a live-connection banner, or an error in words. */
export function stateNote(state: CollectionState, what: string): HTMLElement | undefined {
  switch (state.kind) {
    case 'loading':
      return h('p', { class: 'note', role: 'status' }, `Loading ${what}…`);
    case 'reconnecting':
      return h(
        'p',
        { class: 'note warn', role: 'status' },
        `Connection to the hub lost (${state.error}); showing ${what} as of `,
        ageLabel(state.since),
        ', reconnecting…',
      );
    case 'error':
      return h(
        'p',
        { class: 'note error', role: 'alert' },
        state.code === 403
          ? `You are not allowed to list ${what}: ${state.error}`
          : state.code === 404
            ? `${what} are not served by this hub (${state.error}).`
            : `Cannot load ${what}: ${state.error}`,
      );
    default:
      return undefined;
  }
}

/** Replaces a container's content, keeping keyboard focus on the same logical element. */
export function replaceKeepingFocus(root: HTMLElement, ...content: Child[]): void {
  const focused =
    document.activeElement instanceof HTMLElement ? document.activeElement.dataset.key : undefined;
  root.replaceChildren(
    ...content
      .filter((c): c is Node | string => c !== null && c !== undefined && c !== false)
      .map((c) => (typeof c === 'number' ? String(c) : c)),
  );
  if (focused) root.querySelector<HTMLElement>(`[data-key="${CSS.escape(focused)}"]`)?.focus();
}

/** Batches renders to one per frame however many watch events arrive. */
export function scheduler(render: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    // A timer, not requestAnimationFrame: frames stop in a background tab, and the data must not.
    setTimeout(() => {
      queued = false;
      render();
    }, 16);
  };
}

export function table(headers: string[], rows: HTMLElement[], label: string): HTMLElement {
  return h(
    'table',
    { 'aria-label': label },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((x) => h('th', { scope: 'col' }, x)),
      ),
    ),
    h('tbody', {}, rows),
  );
}

/** Calls fn at most once per `ms` (the last call in a burst is not lost). */
export function throttle(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
  };
}
