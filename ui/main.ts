/**
 * The dashboard's shell: sign-in (a one-time #code=… from `edgefed dashboard`, or a pasted token),
 * the header, hash routing between views, keyboard navigation and the clock for ages.
 */
import type { KubeFedCluster } from '../api/federation.js';
import { Collection, exchangeCode, getToken, setToken, setUnauthorizedHandler } from './api.js';
import {
  HEARTBEATS_PATH,
  KFC_PATH,
  heartbeatKey,
  type AppContext,
  type HeartbeatLease,
  type View,
} from './context.js';
import { h, throttle, tickAges } from './dom.js';
import { tokenIdentity } from './model.js';
import { dns } from './views/dns.js';
import { overview } from './views/overview.js';
import { site } from './views/site.js';
import { workload, workloads } from './views/workloads.js';
import './style.css';

const app = document.getElementById('app') as HTMLElement;
let ctx: AppContext | undefined;
let unmount: (() => void) | undefined;

const ROUTES: [RegExp, View][] = [
  [/^#?\/?$/, overview],
  [/^#\/site\/([^/]+)$/, site],
  [/^#\/workloads$/, workloads],
  [/^#\/workload\/([^/]+)\/([^/]+)\/([^/]+)$/, workload],
  [/^#\/dns$/, dns],
];

function signInPage(message?: string): void {
  unmount?.();
  unmount = undefined;
  ctx?.clusters.stop();
  ctx = undefined;
  const input = h('textarea', {
    id: 'token',
    rows: 4,
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'token-help',
  }) as HTMLTextAreaElement;
  const submit = (e: Event): void => {
    e.preventDefault();
    const t = input.value.trim();
    if (!t) return;
    setToken(t);
    location.hash = '#/';
    start();
  };
  app.replaceChildren(
    h(
      'main',
      { class: 'signin' },
      h('h1', {}, 'Sign in to the edgefed hub'),
      message ? h('p', { class: 'note error', role: 'alert' }, message) : null,
      h(
        'p',
        { id: 'token-help' },
        'Run ',
        h('code', {}, 'edgefed dashboard'),
        ' with your admin kubeconfig and open the URL it prints, or paste a bearer token (',
        h('code', {}, 'kubectl create token <serviceaccount>'),
        ').',
      ),
      h(
        'form',
        { onsubmit: submit },
        h('label', { for: 'token' }, 'Bearer token'),
        input,
        h('button', { type: 'submit' }, 'Sign in'),
      ),
    ),
  );
  input.focus();
}

function header(c: AppContext): HTMLElement {
  const link = (href: string, text: string, key: string): HTMLElement =>
    h('a', { href, 'data-key': key, accesskey: key }, text);
  return h(
    'header',
    {},
    h(
      'nav',
      { 'aria-label': 'main' },
      h('strong', {}, 'edgefed'),
      link('#/', 'Overview', '1'),
      link('#/workloads', 'Workloads', '2'),
      link('#/dns', 'DNS', '3'),
    ),
    h(
      'div',
      { class: 'who' },
      h('span', { id: 'user' }, c.user ?? 'signed in'),
      h(
        'button',
        {
          type: 'button',
          id: 'signout',
          onclick: () => {
            setToken(undefined);
            signInPage('Signed out.');
          },
        },
        'Sign out',
      ),
    ),
  );
}

function route(): void {
  if (!ctx) return;
  unmount?.();
  const hash = location.hash || '#/';
  const main = h('main', { id: 'view', tabindex: '-1' });
  app.replaceChildren(
    header(ctx),
    main,
    h('footer', {}, 'Keys: 1 overview · 2 workloads · 3 DNS · j/k next/previous link · Enter open'),
  );
  for (const [re, view] of ROUTES) {
    const m = re.exec(hash);
    if (m) {
      unmount = view(main, ctx, m.slice(1).map(decodeURIComponent));
      return;
    }
  }
  main.append(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the overview')));
  unmount = undefined;
}

function start(): void {
  const token = getToken();
  if (!token) return signInPage();
  const id = tokenIdentity(token);
  const listeners = new Set<() => void>();
  const notify = (): void => listeners.forEach((l) => l());
  const clusters = new Collection<KubeFedCluster>(KFC_PATH, notify);
  // Heartbeats arrive every few seconds per cluster: views re-render for them at most once a second.
  const heartbeatChanged = throttle(notify, 1000);
  let heartbeats: Collection<HeartbeatLease> | undefined;
  let heartbeatUsers = 0;
  ctx = {
    clusters,
    heartbeat: (cluster) => heartbeats?.items.get(heartbeatKey(cluster))?.spec?.renewTime,
    watchHeartbeats() {
      if (heartbeatUsers++ === 0)
        heartbeats = new Collection<HeartbeatLease>(HEARTBEATS_PATH, heartbeatChanged).start();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (--heartbeatUsers === 0) {
          heartbeats?.stop();
          heartbeats = undefined;
        }
      };
    },
    namespace: id.namespace,
    user: id.user,
    onClusters(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
  clusters.start();
  route();
}

async function boot(): Promise<void> {
  setUnauthorizedHandler((m) => {
    setToken(undefined);
    signInPage(`Your session ended: ${m}`);
  });
  const code = /^#code=([^&]+)/.exec(location.hash)?.[1];
  if (code) {
    // Out of the address bar and history at once: the code is single-use, but still.
    history.replaceState(null, '', `${location.pathname}#/`);
    try {
      setToken(await exchangeCode(decodeURIComponent(code)));
    } catch (e) {
      return signInPage(`Sign-in failed: ${(e as Error).message}`);
    }
  }
  start();
}

window.addEventListener('hashchange', () => (ctx ? route() : undefined));
setInterval(() => tickAges(document), 1000);

document.addEventListener('keydown', (e) => {
  if (!ctx || e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target as HTMLElement;
  if (t.closest('input, textarea, select, [contenteditable]')) return;
  const go: Record<string, string> = { '1': '#/', '2': '#/workloads', '3': '#/dns' };
  if (go[e.key]) {
    location.hash = go[e.key];
    e.preventDefault();
  } else if (e.key === 'j' || e.key === 'k') {
    const links = [...document.querySelectorAll<HTMLElement>('#view [data-nav]')];
    if (!links.length) return;
    const i = links.indexOf(document.activeElement as HTMLElement);
    const next = e.key === 'j' ? (i + 1) % links.length : (i <= 0 ? links.length : i) - 1;
    links[next].focus();
    e.preventDefault();
  }
});

void boot();
