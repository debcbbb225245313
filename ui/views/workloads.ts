/**
 * Federated workloads: each federated object with its per-cluster readiness (status.clusters[] and
 * the pods summary), and one object's page with the problems its pods report (ErrImagePull,
 * CrashLoopBackOff... and their messages). Cluster-wide when RBAC allows, else the signed-in
 * account's namespace.
 */
import type { FederatedObject } from '../../api/federation.js';
import { api, canI, Collection } from '../api.js';
import { clusterViews, type AppContext, type View } from '../context.js';
import { ageLabel, badge, h, navLink, replaceKeepingFocus, scheduler, stateNote, table } from '../dom.js';
import { placementRows, workloadHealth, type ClusterView, type PlacementRow } from '../model.js';

const GROUP = 'types.kubefed.io';
/** The federated workload kinds the list shows (kubefed's, plus what edgefed enables by default). */
export const WORKLOAD_RESOURCES = [
  'federateddeployments',
  'federatedstatefulsets',
  'federateddaemonsets',
  'federatedjobs',
  'federatedreplicasets',
];

function collectionPath(resource: string, namespace?: string): string {
  return namespace
    ? `/apis/${GROUP}/v1beta1/namespaces/${encodeURIComponent(namespace)}/${resource}`
    : `/apis/${GROUP}/v1beta1/${resource}`;
}

function isStale(c: ClusterView | undefined): boolean {
  return c !== undefined && c.health !== 'Ready';
}

const HEALTH_CLASS = { ok: 'ok', progressing: 'warn', failing: 'bad', pending: 'muted' } as const;

function readiness(r: PlacementRow): string {
  return r.desired === undefined && r.ready === undefined
    ? r.propagation
    : `${r.ready ?? 0}/${r.desired ?? '?'}`;
}

/** List + watch of one resource: cluster-wide, or (refused) in the signed-in account's namespace. */
function scopedCollection(
  resource: string,
  ctx: AppContext,
  onChange: () => void,
): { current: () => Collection<FederatedObject>; stop: () => void; scope: () => string } {
  let scope = 'all namespaces';
  let c: Collection<FederatedObject>;
  const change = (): void => {
    if (
      c.state.kind === 'error' &&
      c.state.code === 403 &&
      !c.path.includes('/namespaces/') &&
      ctx.namespace
    ) {
      c.stop();
      scope = `namespace ${ctx.namespace}`;
      c = new Collection<FederatedObject>(collectionPath(resource, ctx.namespace), onChange).start();
    }
    onChange();
  };
  c = new Collection<FederatedObject>(collectionPath(resource), change).start();
  return { current: () => c, stop: () => c.stop(), scope: () => scope };
}

/**
 * Watches the page keeps open besides the clusters one: a browser holds at most six HTTP/1.1
 * connections to the hub, every watch keeps one, and plain requests need one left over.
 */
const MAX_WATCHED = 4;

/** The federated workload resources the hub serves, in WORKLOAD_RESOURCES order. */
async function enabledWorkloadResources(): Promise<string[]> {
  const d = await api<{ resources?: { name: string }[] }>('GET', `/apis/${GROUP}/v1beta1`);
  const served = new Set((d.resources ?? []).map((r) => r.name));
  return WORKLOAD_RESOURCES.filter((r) => served.has(r));
}

export const workloads: View = (root, ctx) => {
  let discovery = 'pending';
  const render = (): void => {
    const clusters = clusterViews(ctx);
    const rows: HTMLElement[] = [];
    const notes: HTMLElement[] = [];
    const scopes = new Set<string>();
    for (const [resource, s] of sets) {
      const c = s.current();
      if (c.state.kind === 'error' && c.state.code === 404) continue; // type not enabled on this hub
      const n = stateNote(c.state, resource);
      if (n) notes.push(n);
      if (c.state.kind !== 'error') scopes.add(s.scope());
      for (const o of c.list().sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))) {
        const ns = o.metadata.namespace ?? '';
        const name = o.metadata.name ?? '';
        const pr = placementRows(o);
        const health = workloadHealth(pr);
        rows.push(
          h(
            'tr',
            { 'data-workload': `${ns}/${name}`, 'data-health': health },
            h('td', {}, o.kind?.replace(/^Federated/, '') ?? resource),
            h('td', {}, ns),
            h(
              'td',
              {},
              navLink(
                `#/workload/${resource}/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`,
                name,
                `wl:${resource}/${ns}/${name}`,
              ),
            ),
            h('td', {}, badge(health, HEALTH_CLASS[health])),
            h(
              'td',
              { class: 'placements' },
              pr.length === 0
                ? h('span', { class: 'muted' }, 'not placed yet')
                : pr.map((r) =>
                    h(
                      'span',
                      {
                        // Stale only when known to be: a user who may not read clusters sees no mark.
                        class: `placement ${isStale(clusters.get(r.cluster)) ? 'stale' : ''}`,
                        'data-cluster': r.cluster,
                      },
                      `${r.cluster} ${readiness(r)}`,
                    ),
                  ),
            ),
          ),
        );
      }
    }
    replaceKeepingFocus(
      root,
      h('h1', {}, 'Federated workloads'),
      h('p', { class: 'summary' }, `Showing ${[...scopes].join(', ') || 'nothing'}.`),
      discovery.startsWith('failed')
        ? h('p', { class: 'note error', role: 'alert' }, `Cannot read the federated types: ${discovery}`)
        : null,
      omitted.length
        ? h('p', { class: 'note' }, `Not shown here (list them with kubectl): ${omitted.join(', ')}.`)
        : null,
      ...notes,
      rows.length
        ? table(
            ['Kind', 'Namespace', 'Name', 'Health', 'Clusters (ready/desired)'],
            rows,
            'federated workloads',
          )
        : notes.length === 0 && discovery !== 'pending'
          ? h(
              'p',
              { class: 'empty' },
              'No federated workloads. Apply a FederatedDeployment with kubectl to see it here.',
            )
          : null,
    );
  };
  const schedule = scheduler(render);
  const sets = new Map<string, ReturnType<typeof scopedCollection>>();
  let omitted: string[] = [];
  let stopped = false;
  // Watch only the workload types this hub federates (discovery), and at most MAX_WATCHED of them.
  void enabledWorkloadResources().then(
    (found) => {
      if (stopped) return;
      omitted = found.slice(MAX_WATCHED);
      for (const r of found.slice(0, MAX_WATCHED)) sets.set(r, scopedCollection(r, ctx, schedule));
      discovery = found.length ? 'done' : 'none';
      schedule();
    },
    (e: Error) => {
      discovery = `failed: ${e.message}`;
      schedule();
    },
  );
  const off = ctx.onClusters(schedule);
  render();
  return () => {
    stopped = true;
    off();
    for (const s of sets.values()) s.stop();
  };
};

export const workload: View = (root, ctx, [resource, namespace, name]) => {
  let canDelete = false;
  let message: HTMLElement | null = null;
  let confirming = false;
  const path = collectionPath(resource, namespace);
  const render = (): void => {
    const o = c.items.get(`${namespace}/${name}`);
    const clusters = clusterViews(ctx);
    const rows = o
      ? placementRows(o).map((r) => {
          const cv = clusters.get(r.cluster);
          return h(
            'tr',
            { 'data-cluster': r.cluster },
            h('td', {}, navLink(`#/site/${encodeURIComponent(r.cluster)}`, r.cluster, `site:${r.cluster}`)),
            h('td', {}, r.propagation, r.message ? h('div', { class: 'muted' }, r.message) : null),
            h('td', { class: 'ready' }, readiness(r)),
            h('td', {}, r.restarts ?? '—'),
            h(
              'td',
              { class: 'problems' },
              r.problems.length
                ? r.problems.map((p) =>
                    h(
                      'div',
                      { class: 'problem' },
                      badge(p.reason, 'bad'),
                      ` ${p.pod}${p.container ? `/${p.container}` : ''}`,
                      p.message ? h('div', { class: 'message' }, p.message) : null,
                    ),
                  )
                : h('span', { class: 'muted' }, 'none'),
              cv && cv.health !== 'Ready'
                ? h(
                    'div',
                    { class: 'stale' },
                    'stale since ',
                    cv.staleSince ? ageLabel(cv.staleSince) : 'unknown',
                  )
                : null,
            ),
          );
        })
      : [];
    const actions =
      o && canDelete
        ? h(
            'div',
            { class: 'actions' },
            confirming
              ? [
                  h(
                    'button',
                    { type: 'button', class: 'danger', 'data-action': 'confirm-delete', onclick: remove },
                    `Delete ${name} from every cluster`,
                  ),
                  h('button', { type: 'button', onclick: () => ((confirming = false), render()) }, 'Cancel'),
                ]
              : h(
                  'button',
                  { type: 'button', 'data-action': 'delete', onclick: () => ((confirming = true), render()) },
                  'Delete…',
                ),
          )
        : null;
    replaceKeepingFocus(
      root,
      h('p', {}, navLink('#/workloads', '← Federated workloads', 'back')),
      h('h1', {}, `${o?.kind ?? resource} ${namespace}/${name}`),
      stateNote(c.state, resource) ?? null,
      message,
      actions,
      o
        ? rows.length
          ? table(['Cluster', 'Propagation', 'Ready', 'Restarts', 'Problems'], rows, 'per-cluster status')
          : h('p', { class: 'empty' }, 'Not placed in any cluster yet (check its placement).')
        : c.state.kind === 'live'
          ? h('p', { class: 'empty' }, 'This object does not exist (any more).')
          : null,
    );
  };
  const remove = async (): Promise<void> => {
    try {
      await api('DELETE', `${path}/${encodeURIComponent(name)}`);
      message = h('p', { class: 'note', role: 'status' }, `Deleting ${name}…`);
    } catch (e) {
      message = h('p', { class: 'note error', role: 'alert' }, `Delete failed: ${(e as Error).message}`);
    }
    confirming = false;
    render();
  };
  const schedule = scheduler(render);
  const c = new Collection<FederatedObject>(
    `${path}?fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`,
    schedule,
  ).start();
  void canI('delete', GROUP, resource, namespace, name).then((ok) => {
    canDelete = ok;
    schedule();
  });
  const off = ctx.onClusters(schedule);
  render();
  return () => {
    off();
    c.stop();
  };
};
