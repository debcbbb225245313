/** Fleet overview: clusters by region and zone, their health, heartbeat age, version and capacity. */
import { clusterViews, type View } from '../context.js';
import { ageLabel, badge, h, navLink, replaceKeepingFocus, scheduler, stateNote, table } from '../dom.js';
import { groupByRegion, type ClusterView } from '../model.js';

function healthCell(c: ClusterView): HTMLElement {
  return h(
    'td',
    {},
    badge(c.health, c.health === 'Ready' ? 'ok' : 'bad'),
    c.staleSince !== undefined || c.health !== 'Ready'
      ? h(
          'div',
          { class: 'stale' },
          'stale since ',
          c.staleSince !== undefined ? new Date(c.staleSince).toLocaleTimeString() : 'unknown',
          c.staleSince !== undefined ? [' (', ageLabel(c.staleSince), ')'] : [],
        )
      : null,
    c.reason ? h('div', { class: 'muted' }, c.reason) : null,
  );
}

function clusterRow(c: ClusterView): HTMLElement {
  const r = c.resources;
  return h(
    'tr',
    { 'data-cluster': c.name, 'data-health': c.health },
    h('td', {}, navLink(`#/site/${encodeURIComponent(c.name)}`, c.name, `site:${c.name}`)),
    healthCell(c),
    h('td', {}, ageLabel(c.heartbeat)),
    h('td', {}, c.version ?? '—'),
    h('td', {}, r?.nodes ?? '—'),
    h('td', {}, r?.pods ?? '—'),
    h('td', {}, r?.cpu ?? '—'),
    h('td', {}, r?.memory ?? '—'),
  );
}

export const overview: View = (root, ctx) => {
  const render = (): void => {
    const views = [...clusterViews(ctx).values()];
    const ready = views.filter((c) => c.health === 'Ready').length;
    const note = stateNote(ctx.clusters.state, 'clusters');
    const body =
      ctx.clusters.state.kind === 'error'
        ? []
        : views.length === 0 && ctx.clusters.state.kind !== 'loading'
          ? [
              h(
                'p',
                { class: 'empty' },
                'No clusters have joined yet. Create a join command with ',
                h('code', {}, 'edgefed token create --print-join-command'),
                '.',
              ),
            ]
          : groupByRegion(views).map((g) =>
              h(
                'section',
                { class: 'region', 'data-region': g.region },
                h('h2', {}, `Region ${g.region}`),
                g.zones.map((z) =>
                  h(
                    'div',
                    { class: 'zone', 'data-zone': z.zone },
                    h('h3', {}, `Zone ${z.zone}`),
                    table(
                      ['Cluster', 'Status', 'Heartbeat', 'Version', 'Nodes', 'Pods', 'CPU', 'Memory'],
                      z.clusters.map(clusterRow),
                      `clusters in ${g.region} ${z.zone}`,
                    ),
                  ),
                ),
              ),
            );
    replaceKeepingFocus(
      root,
      h('h1', {}, 'Fleet overview'),
      views.length
        ? h(
            'p',
            { class: 'summary' },
            `${views.length} clusters: ${ready} Ready, ${views.length - ready} not Ready`,
          )
        : null,
      note,
      ...body,
    );
  };
  const schedule = scheduler(render);
  const release = ctx.watchHeartbeats();
  const off = ctx.onClusters(schedule);
  render();
  return () => {
    off();
    release();
  };
};
