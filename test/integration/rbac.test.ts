/**
 * The hub serves more than admins: RBAC with kube's default roles (edit aggregating the federation
 * types), a certificate user and a ServiceAccount token bound to `edit` in team-a, checked with the
 * real kubectl: what they may do there and nowhere else (kube's 403 message), `auth can-i [--list]`,
 * `auth whoami`, a ClusterRole aggregated by label taking effect without a restart, and 401 for an
 * expired token and for the token of a deleted (or re-created) ServiceAccount.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signJwt } from '../../apiserver/auth/serviceaccount/jwt.js';
import { DEFAULT_ISSUER } from '../../apiserver/auth/serviceaccount/tokens.js';
import { writeKubeconfig } from '../../pki/kubeconfig.js';
import { issue } from '../../pki/pki.js';
import {
  cleanup,
  kubectl,
  kubectlOk,
  request,
  startHub,
  tempDir,
  toYaml,
  waitFor,
  type HubProcess,
} from '../helpers/hub.js';

const fedDeployment = (name: string, namespace: string) => ({
  apiVersion: 'types.kubefed.io/v1beta1',
  kind: 'FederatedDeployment',
  metadata: { name, namespace },
  spec: {
    template: {
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
        },
      },
    },
    placement: { clusters: [{ name: 'cluster1' }] },
  },
});

const forbiddenCreate = (user: string, ns: string) =>
  `federateddeployments.types.kubefed.io is forbidden: User "${user}" cannot create resource "federateddeployments" in API group "types.kubefed.io" in the namespace "${ns}"`;

describe('RBAC, access reviews and ServiceAccount tokens (real kubectl)', function () {
  this.timeout(180_000);
  let hub: HubProcess;
  let dir: string;
  let alice: string;
  let bot: string;
  const SA_USER = 'system:serviceaccount:team-a:bot';

  function tokenKubeconfig(name: string, token: string): string {
    const path = join(dir, `${name}.kubeconfig`);
    writeKubeconfig(path, { server: hub.url, caCert: hub.tls.ca, clusterName: 'hub', userName: name, token });
    return path;
  }

  before(async () => {
    dir = tempDir('rbac-');
    hub = await startHub();
    const pki = join(hub.dataDir, 'pki');
    const ca = {
      cert: readFileSync(join(pki, 'ca.crt'), 'utf8'),
      key: readFileSync(join(pki, 'ca.key'), 'utf8'),
    };
    const cert = await issue(ca, {
      commonName: 'alice',
      organizations: ['team-a-devs'],
      usage: 'client',
      days: 1,
    });
    alice = join(dir, 'alice.kubeconfig');
    writeKubeconfig(alice, {
      server: hub.url,
      caCert: ca.cert,
      clusterName: 'hub',
      userName: 'alice',
      clientCert: cert.cert,
      clientKey: cert.key,
    });
    kubectlOk(hub.kubeconfig, ['create', 'namespace', 'team-a']);
    kubectlOk(hub.kubeconfig, ['create', 'namespace', 'team-b']);
    kubectlOk(hub.kubeconfig, ['create', 'serviceaccount', 'bot', '-n', 'team-a']);
    kubectlOk(hub.kubeconfig, [
      'create',
      'rolebinding',
      'team-a-edit',
      '--clusterrole=edit',
      '--user=alice',
      '--serviceaccount=team-a:bot',
      '-n',
      'team-a',
    ]);
    const token = kubectlOk(hub.kubeconfig, [
      'create',
      'token',
      'bot',
      '-n',
      'team-a',
      '--duration',
      '10m',
    ]).trim();
    bot = tokenKubeconfig('bot', token);
  });

  after(async () => {
    await hub?.stop();
    if (hub) cleanup(hub.dataDir);
    if (dir) cleanup(dir);
  });

  it('serves kube default roles; edit aggregates the federation types', async () => {
    const roles = kubectlOk(hub.kubeconfig, ['get', 'clusterroles', '-o', 'name']);
    for (const r of [
      'cluster-admin',
      'admin',
      'edit',
      'view',
      'system:discovery',
      'system:basic-user',
      'system:public-info-viewer',
    ])
      assert.match(roles, new RegExp(`^clusterrole.rbac.authorization.k8s.io/${r}$`, 'm'));
    const edit = JSON.parse(kubectlOk(hub.kubeconfig, ['get', 'clusterrole', 'edit', '-o', 'json'])) as {
      rules: { apiGroups?: string[]; verbs: string[] }[];
    };
    assert.ok(
      edit.rules.some((r) => r.apiGroups?.includes('types.kubefed.io') && r.verbs.includes('create')),
    );
    const crb = JSON.parse(
      kubectlOk(hub.kubeconfig, ['get', 'clusterrolebinding', 'cluster-admin', '-o', 'json']),
    ) as {
      subjects: { kind: string; name: string }[];
    };
    assert.deepEqual(
      crb.subjects.map((s) => `${s.kind}/${s.name}`),
      ['Group/system:masters'],
    );
    // every namespace has its default ServiceAccount
    await waitFor('default ServiceAccount in team-b', () =>
      kubectl(hub.kubeconfig, ['get', 'sa', 'default', '-n', 'team-b']).code === 0 ? true : undefined,
    );
  });

  for (const [who, user] of [
    ['a certificate user', 'alice'],
    ['a ServiceAccount token', SA_USER],
  ] as const) {
    const kc = () => (who === 'a certificate user' ? alice : bot);

    it(`${who} bound to edit creates a FederatedDeployment in team-a and nowhere else`, () => {
      const name = user === 'alice' ? 'by-alice' : 'by-bot';
      kubectlOk(kc(), ['apply', '-f', '-'], toYaml(fedDeployment(name, 'team-a')));
      assert.match(
        kubectlOk(kc(), ['get', 'federateddeployments', '-n', 'team-a', '-o', 'name']),
        new RegExp(name),
      );
      const r = kubectl(kc(), ['create', '-f', '-'], toYaml(fedDeployment(name, 'team-b')));
      assert.notEqual(r.code, 0);
      assert.ok(r.stderr.includes(forbiddenCreate(user, 'team-b')), r.stderr);
      const list = kubectl(kc(), ['get', 'federateddeployments', '-n', 'team-b']);
      assert.notEqual(list.code, 0);
      assert.match(
        list.stderr,
        /cannot list resource "federateddeployments" in API group "types.kubefed.io" in the namespace "team-b"/,
      );
      // nor cluster-wide objects: edit in a namespace grants nothing at the cluster scope
      assert.match(
        kubectl(kc(), ['get', 'namespaces']).stderr,
        /cannot list resource "namespaces" in API group "" at the cluster scope/,
      );
    });

    it(`${who}: kubectl auth can-i and can-i --list answer`, () => {
      assert.equal(
        kubectl(kc(), [
          'auth',
          'can-i',
          'create',
          'federateddeployments.types.kubefed.io',
          '-n',
          'team-a',
        ]).stdout.trim(),
        'yes',
      );
      const no = kubectl(kc(), [
        'auth',
        'can-i',
        'create',
        'federateddeployments.types.kubefed.io',
        '-n',
        'team-b',
      ]);
      assert.equal(no.stdout.trim(), 'no');
      assert.equal(no.code, 1);
      assert.equal(
        kubectl(kc(), ['auth', 'can-i', 'delete', 'rolebindings', '-n', 'team-a']).stdout.trim(),
        'no',
      );
      const list = kubectlOk(kc(), ['auth', 'can-i', '--list', '-n', 'team-a']);
      assert.match(
        list,
        /^\*\.types\.kubefed\.io\s+\[\]\s+\[\]\s+\[create delete deletecollection patch update get list watch\]/m,
      );
      assert.match(list, /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/m);
      assert.match(list, /^\s+\[\/version\]\s+\[\]\s+\[get\]/m);
      const elsewhere = kubectlOk(kc(), ['auth', 'can-i', '--list', '-n', 'team-b']);
      assert.doesNotMatch(elsewhere, /types\.kubefed\.io/);
    });

    it(`${who}: kubectl auth whoami answers`, () => {
      const out = kubectlOk(kc(), ['auth', 'whoami']);
      assert.match(out, new RegExp(`^Username\\s+${user.replace(/[.:]/g, '\\$&')}$`, 'm'));
      if (user === 'alice') assert.match(out, /^Groups\s+\[team-a-devs system:authenticated\]$/m);
      else
        assert.match(
          out,
          /^Groups\s+\[system:serviceaccounts system:serviceaccounts:team-a system:authenticated\]$/m,
        );
    });
  }

  it('a ClusterRole aggregated into edit by label takes effect without a restart', async () => {
    const quota = {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q', namespace: 'team-a' },
      spec: { hard: { pods: '5' } },
    };
    const before = kubectl(alice, ['apply', '-f', '-'], toYaml(quota));
    assert.notEqual(before.code, 0);
    assert.match(before.stderr, /User "alice" cannot (get|create|patch) resource "resourcequotas"/);
    kubectlOk(
      hub.kubeconfig,
      ['apply', '-f', '-'],
      toYaml({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'quota-editor', labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } },
        rules: [
          {
            apiGroups: [''],
            resources: ['resourcequotas'],
            verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
          },
        ],
      }),
    );
    await waitFor('edit to aggregate quota-editor', () =>
      kubectl(alice, ['auth', 'can-i', 'create', 'resourcequotas', '-n', 'team-a']).stdout.trim() === 'yes'
        ? true
        : undefined,
    );
    kubectlOk(alice, ['apply', '-f', '-'], toYaml(quota));
    // and it is gone again when the aggregated role is deleted
    kubectlOk(hub.kubeconfig, ['delete', 'clusterrole', 'quota-editor']);
    await waitFor('edit to drop quota-editor', () =>
      kubectl(alice, ['auth', 'can-i', 'create', 'resourcequotas', '-n', 'team-a']).stdout.trim() === 'no'
        ? true
        : undefined,
    );
  });

  it('a namespace admin cannot grant what they do not hold (escalation prevention)', async () => {
    kubectlOk(hub.kubeconfig, ['create', 'namespace', 'team-c']);
    kubectlOk(hub.kubeconfig, [
      'create',
      'rolebinding',
      'alice-admin',
      '--clusterrole=admin',
      '--user=alice',
      '-n',
      'team-c',
    ]);
    await waitFor('alice admin in team-c', () =>
      kubectl(alice, ['auth', 'can-i', 'create', 'rolebindings', '-n', 'team-c']).stdout.trim() === 'yes'
        ? true
        : undefined,
    );
    // binding a role whose rules she holds (view is inside admin) is fine
    kubectlOk(alice, [
      'create',
      'rolebinding',
      'bob-view',
      '--clusterrole=view',
      '--user=bob',
      '-n',
      'team-c',
    ]);
    // cluster-admin's rules are not hers
    const r = kubectl(alice, [
      'create',
      'rolebinding',
      'alice-all',
      '--clusterrole=cluster-admin',
      '--user=alice',
      '-n',
      'team-c',
    ]);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /rolebindings.rbac.authorization.k8s.io "alice-all" is forbidden: user "alice" \(groups=\["team-a-devs","system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}/,
    );
    // nor may she write a Role with rules she lacks; one with rules she holds is fine
    const role = (verbs: string[]) =>
      toYaml({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: `r-${verbs.join('-')}`, namespace: 'team-c' },
        rules: [{ apiGroups: [''], resources: ['resourcequotas'], verbs }],
      });
    kubectlOk(alice, ['apply', '-f', '-'], role(['get', 'list']));
    const denied = kubectl(alice, ['apply', '-f', '-'], role(['create']));
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /\{APIGroups:\[""\], Resources:\["resourcequotas"\], Verbs:\["create"\]\}/);
  });

  it('impersonation (kubectl --as) as kube allows it', () => {
    const asAdmin = (as: string) =>
      kubectl(hub.kubeconfig, [
        'auth',
        'can-i',
        'create',
        'federateddeployments.types.kubefed.io',
        '-n',
        'team-a',
        '--as',
        as,
      ]).stdout.trim();
    assert.equal(asAdmin('alice'), 'yes');
    assert.equal(asAdmin('bob'), 'no');
    assert.equal(asAdmin(SA_USER), 'yes');
    // edit lets alice impersonate the ServiceAccounts of team-a, not other users
    assert.match(
      kubectlOk(alice, ['auth', 'whoami', '--as', SA_USER]),
      new RegExp(`Username\\s+${SA_USER.replace(/[:]/g, '\\$&')}`),
    );
    const r = kubectl(alice, ['get', 'configmaps', '-n', 'team-a', '--as', 'bob']);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope/,
    );
  });

  it('an expired token gets 401', async () => {
    const sa = JSON.parse(kubectlOk(hub.kubeconfig, ['get', 'sa', 'bot', '-n', 'team-a', '-o', 'json'])) as {
      metadata: { uid: string };
    };
    const key = createPrivateKey(readFileSync(join(hub.dataDir, 'pki', 'sa.key'), 'utf8'));
    const now = Math.floor(Date.now() / 1000);
    const expired = signJwt(
      {
        iss: DEFAULT_ISSUER,
        sub: SA_USER,
        aud: [DEFAULT_ISSUER],
        iat: now - 7200,
        nbf: now - 7200,
        exp: now - 3600,
        jti: 'expired',
        'kubernetes.io': { namespace: 'team-a', serviceaccount: { name: 'bot', uid: sa.metadata.uid } },
      },
      key,
    );
    const r = kubectl(tokenKubeconfig('expired', expired), ['auth', 'whoami']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /You must be logged in to the server \(Unauthorized/);
    const raw = await request(
      hub,
      'GET',
      '/api/v1/namespaces/team-a/configmaps',
      undefined,
      { authorization: `Bearer ${expired}` },
      { cert: undefined, key: undefined },
    );
    assert.equal(raw.status, 401);
    assert.equal(raw.json<{ reason: string }>().reason, 'Unauthorized');
  });

  it('the token of a deleted ServiceAccount gets 401, also once one of the same name is re-created', async () => {
    kubectlOk(hub.kubeconfig, ['create', 'serviceaccount', 'temp', '-n', 'team-a']);
    const kc = tokenKubeconfig(
      'temp',
      kubectlOk(hub.kubeconfig, ['create', 'token', 'temp', '-n', 'team-a']).trim(),
    );
    assert.match(kubectlOk(kc, ['auth', 'whoami']), /system:serviceaccount:team-a:temp/);
    kubectlOk(hub.kubeconfig, ['delete', 'serviceaccount', 'temp', '-n', 'team-a']);
    await waitFor('the deleted ServiceAccount token to be refused', () =>
      /Unauthorized/.test(kubectl(kc, ['auth', 'whoami']).stderr) ? true : undefined,
    );
    kubectlOk(hub.kubeconfig, ['create', 'serviceaccount', 'temp', '-n', 'team-a']);
    const again = kubectl(kc, ['auth', 'whoami']);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /Unauthorized/);
  });

  it('SubjectAccessReview and TokenReview answer for admins', () => {
    const sar = JSON.parse(
      kubectlOk(
        hub.kubeconfig,
        ['create', '-o', 'json', '-f', '-'],
        JSON.stringify({
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: 'alice',
            resourceAttributes: {
              namespace: 'team-a',
              verb: 'create',
              group: 'types.kubefed.io',
              resource: 'federateddeployments',
            },
          },
        }),
      ),
    ) as { status: { allowed: boolean } };
    assert.equal(sar.status.allowed, true);
    const token = kubectlOk(hub.kubeconfig, ['create', 'token', 'bot', '-n', 'team-a']).trim();
    const tr = JSON.parse(
      kubectlOk(
        hub.kubeconfig,
        ['create', '-o', 'json', '-f', '-'],
        JSON.stringify({
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          spec: { token },
        }),
      ),
    ) as { status: { authenticated: boolean; user: { username: string } } };
    assert.equal(tr.status.authenticated, true);
    assert.equal(tr.status.user.username, SA_USER);
  });
});
