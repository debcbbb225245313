/**
 * One site: its health, the Works the hub rendered for it with their status, and (when the agent
 * reports an inventory) its nodes and pods. Data from a site that is not Ready is marked stale.
 */
import type { Work } from '../../api/federation.js';
import type { ClusterInventory } from '../../api/inventory.js';
import { inventoryCollectionPath } from '../../api/inventory.js';
import type { KubeObject } from '../../api/kubernetes.js';
import { Collection } from '../api.js';
import { clusterViews, type View } from '../context.js';
import { ageLabel, badge, h, navLink, replaceKeepingFocus, scheduler, stateNote, table } from '../dom.js';

function workRow(w: Work): HTMLElement {
  const applied = w.status?.conditions?.find((c) => c.type === 'Applied');
  const m = w.spec.manifest;
  const pods = w.status?.pods;
  return h(
    'tr',
    { 'data-work': w.metadata.name ?? '' },
    h('td', {}, m.kind ?? w.spec.source.kind),
    h('td', {}, `${m.metadata.namespace ?? ''}${m.metadata.namespace ? '/' : ''}${m.metadata.name ?? ''}`),
    h(
      'td',
      {},
      applied
        ? badge(
            applied.status === 'True' ? 'Applied' : (applied.reason ?? 'Not applied'),
            applied.status === 'True' ? 'ok' : 'bad',
          )
        : badge('Pending', 'muted'),
      w.status?.message ? h('div', { class: 'muted' }, w.status.message) : null,
    ),
    h('td', {}, pods ? `${pods.ready}/${pods.total}` : '—'),
    h(
      'td',
      { class: 'problems' },
      (pods?.problems ?? []).map((p) =>
        h(
          'div',
          { class: 'problem' },
          badge(p.reason, 'bad'),
          ` ${p.pod}`,
          p.message ? h('div', { class: 'message' }, p.message) : null,
        ),
      ),
    ),
  );
}

export const site: View = (root, ctx, [name]) => {
  const ns = `edgefed-cluster-${name}`;
  const render = (): void => {
    const cv = clusterViews(ctx).get(name);
    const inv = inventory.items.get(`${ns}/${name}`)?.status;
    const workList = works
      .list()
      .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
    replaceKeepingFocus(
      root,
      h('p', {}, navLink('#/', '← Fleet overview', 'back')),
      h('h1', {}, `Site ${name}`),
      cv
        ? h(
            'p',
            { class: 'summary', 'data-health': cv.health },
            badge(cv.health, cv.health === 'Ready' ? 'ok' : 'bad'),
            ` region ${cv.region}, zone ${cv.zone}, version ${cv.version ?? 'unknown'}, heartbeat `,
            ageLabel(cv.heartbeat),
          )
        : ctx.clusters.state.kind === 'live'
          ? h('p', { class: 'note error', role: 'alert' }, `No cluster named ${name} has joined.`)
          : null,
      cv && cv.health !== 'Ready'
        ? h(
            'p',
            { class: 'note warn stale', role: 'status' },
            `This site is not reporting (${cv.reason ?? 'NotReady'}). What follows is stale since `,
            cv.staleSince
              ? [new Date(cv.staleSince).toLocaleString(), ' (', ageLabel(cv.staleSince), ')']
              : 'unknown',
            '.',
          )
        : null,
      h('h2', {}, 'Works'),
      stateNote(works.state, 'works') ?? null,
      workList.length
        ? table(
            ['Kind', 'Object', 'Applied', 'Pods ready', 'Problems'],
            workList.map(workRow),
            `works for ${name}`,
          )
        : works.state.kind === 'live'
          ? h('p', { class: 'empty' }, 'Nothing is placed on this site.')
          : null,
      inv
        ? inventoryTables(inv)
        : inventory.state.kind === 'live'
          ? h('p', { class: 'muted' }, 'No inventory reported by this site.')
          : null,
    );
  };
  const schedule = scheduler(render);
  const works = new Collection<Work>(
    `/apis/edgefed.io/v1alpha1/namespaces/${encodeURIComponent(ns)}/works`,
    schedule,
  ).start();
  const inventory = new Collection<ClusterInventory & KubeObject>(
    inventoryCollectionPath(ns),
    schedule,
  ).start();
  const off = ctx.onClusters(schedule);
  const release = ctx.watchHeartbeats();
  render();
  return () => {
    off();
    release();
    works.stop();
    inventory.stop();
  };
};

function inventoryTables(inv: NonNullable<ClusterInventory['status']>): HTMLElement {
  return h(
    'section',
    {},
    h('h2', {}, 'Nodes'),
    table(
      ['Node', 'Ready', 'IP', 'Version', 'CPU', 'Memory'],
      inv.nodes.map((n) =>
        h(
          'tr',
          {},
          h('td', {}, n.name),
          h('td', {}, badge(n.ready ? 'Ready' : 'NotReady', n.ready ? 'ok' : 'bad')),
          h('td', {}, n.internalIP ?? '—'),
          h('td', {}, n.kubeletVersion ?? '—'),
          h(
            'td',
            {},
            n.usage?.cpu ? `${n.usage.cpu} / ${n.allocatable?.cpu ?? '?'}` : (n.allocatable?.cpu ?? '—'),
          ),
          h(
            'td',
            {},
            n.usage?.memory
              ? `${n.usage.memory} / ${n.allocatable?.memory ?? '?'}`
              : (n.allocatable?.memory ?? '—'),
          ),
        ),
      ),
      'nodes',
    ),
    h('h2', {}, `Pods (${inv.summary.pods.total})`),
    table(
      ['Namespace', 'Pod', 'Status', 'Ready', 'Restarts', 'Node'],
      inv.pods.map((p) =>
        h(
          'tr',
          {},
          h('td', {}, p.namespace),
          h('td', {}, p.name),
          h('td', {}, p.status),
          h('td', {}, `${p.readyContainers}/${p.containers}`),
          h('td', {}, p.restarts),
          h('td', {}, p.node ?? '—'),
        ),
      ),
      'pods',
    ),
    inv.podsOmitted ? h('p', { class: 'muted' }, `${inv.podsOmitted} more pods not listed.`) : null,
  );
}
