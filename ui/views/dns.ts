/** Multi-cluster DNS names (DNSEndpoint objects) and the addresses they answer with. */
import type { KubeObject } from '../../api/kubernetes.js';
import { Collection } from '../api.js';
import type { View } from '../context.js';
import { h, replaceKeepingFocus, scheduler, stateNote, table } from '../dom.js';

interface Endpoint {
  dnsName?: string;
  targets?: string[];
  recordType?: string;
  recordTTL?: number;
}

interface DNSEndpoint extends KubeObject {
  spec?: { endpoints?: Endpoint[] };
}

const PATH = '/apis/multiclusterdns.kubefed.io/v1alpha1';

export const dns: View = (root, ctx) => {
  const render = (): void => {
    const rows = c
      .list()
      .flatMap((o) => (o.spec?.endpoints ?? []).map((e) => ({ o, e })))
      .sort((a, b) => (a.e.dnsName ?? '').localeCompare(b.e.dnsName ?? ''))
      .map(({ o, e }) =>
        h(
          'tr',
          { 'data-dns': e.dnsName ?? '' },
          h('td', {}, h('code', {}, e.dnsName ?? '')),
          h('td', {}, e.recordType ?? 'A'),
          h(
            'td',
            {},
            (e.targets ?? []).length
              ? (e.targets ?? []).join(', ')
              : h('span', { class: 'muted' }, 'no addresses (no ready endpoints)'),
          ),
          h('td', {}, e.recordTTL ?? '—'),
          h('td', {}, `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`),
        ),
      );
    replaceKeepingFocus(
      root,
      h('h1', {}, 'Multi-cluster DNS'),
      stateNote(c.state, 'DNS endpoints') ?? null,
      rows.length
        ? table(['Name', 'Type', 'Addresses', 'TTL', 'DNSEndpoint'], rows, 'DNS names')
        : c.state.kind === 'live'
          ? h(
              'p',
              { class: 'empty' },
              'No multi-cluster DNS names. Federate a Service and add a ServiceDNSRecord to get one.',
            )
          : null,
    );
  };
  const schedule = scheduler(render);
  let c = new Collection<DNSEndpoint>(`${PATH}/dnsendpoints`, () => {
    if (
      c.state.kind === 'error' &&
      c.state.code === 403 &&
      ctx.namespace &&
      !c.path.includes('/namespaces/')
    ) {
      c.stop();
      c = new Collection<DNSEndpoint>(
        `${PATH}/namespaces/${encodeURIComponent(ctx.namespace)}/dnsendpoints`,
        schedule,
      ).start();
    }
    schedule();
  }).start();
  render();
  return () => c.stop();
};
