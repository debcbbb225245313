import assert from 'node:assert/strict';
import { defaultJob } from '../../../../apiserver/kinds/job.js';
import type { KubeObject } from '../../../../api/kubernetes.js';

describe('Job defaulting', () => {
  it('selects by controller uid and labels the template as kube-apiserver does', () => {
    const job: KubeObject = {
      metadata: { name: 'pi', namespace: 'ns', uid: 'u-1' },
      spec: { template: { metadata: { labels: { app: 'pi' } }, spec: { restartPolicy: 'Never' } } },
    };
    defaultJob(job);
    assert.deepEqual(job.spec, {
      parallelism: 1,
      completions: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } },
      template: {
        metadata: {
          labels: {
            app: 'pi',
            'batch.kubernetes.io/controller-uid': 'u-1',
            'batch.kubernetes.io/job-name': 'pi',
            'controller-uid': 'u-1',
            'job-name': 'pi',
          },
        },
        spec: { restartPolicy: 'Never' },
      },
    });
  });

  it('keeps the generated selector on an update that leaves it out; manualSelector is left alone', () => {
    const old: KubeObject = { metadata: { name: 'pi', uid: 'u-1' }, spec: {} };
    defaultJob(old);
    const next: KubeObject = { metadata: { name: 'pi', uid: 'u-1' }, spec: { parallelism: 2 } };
    defaultJob(next, old);
    assert.deepEqual(
      (next.spec as { selector?: unknown }).selector,
      (old.spec as { selector?: unknown }).selector,
    );
    assert.equal((next.spec as { completions?: number }).completions, undefined, 'a work queue Job');
    const manual: KubeObject = {
      metadata: { name: 'm', uid: 'u-2' },
      spec: {
        manualSelector: true,
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } } },
      },
    };
    defaultJob(manual);
    assert.deepEqual((manual.spec as { template: unknown }).template, { metadata: { labels: { a: 'b' } } });
  });

  it("regenerates a selector generated for another Job (the hub's, carried by a federated template)", () => {
    const job: KubeObject = {
      metadata: { name: 'pi', uid: 'site-uid' },
      spec: {
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'hub-uid' } },
        template: { metadata: { labels: { 'controller-uid': 'hub-uid', 'job-name': 'pi' } } },
      },
    };
    defaultJob(job);
    const spec = job.spec as {
      selector: unknown;
      template: { metadata: { labels: Record<string, string> } };
    };
    assert.deepEqual(spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'site-uid' } });
    assert.equal(spec.template.metadata.labels['controller-uid'], 'site-uid');
  });
});
