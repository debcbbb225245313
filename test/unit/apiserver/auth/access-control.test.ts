import assert from 'node:assert/strict';
import { pino } from 'pino';
import { AccessControl } from '../../../../apiserver/auth/access-control.js';
import {
  UnionAuthorizer,
  mastersAuthorizer,
  type RequestAttributes,
} from '../../../../apiserver/auth/authz.js';
import { SYSTEM_USER, newContext, type UserInfo } from '../../../../apiserver/rest/context.js';
import { ApiServer } from '../../../../apiserver/server/api-server.js';
import { openStore } from '../../../../apiserver/storage/open-store.js';
import type { Store } from '../../../../apiserver/storage/store.js';
import type { KubeObject } from '../../../../api/kubernetes.js';
import { ensurePki, ensureServiceAccountKey } from '../../../../pki/pki.js';
import { cleanup, tempDir, waitFor } from '../../../helpers/hub.js';

const W = { dryRun: false, fieldManager: 'test', fieldValidation: 'Strict' as const };

/** The RBAC index, aggregation controller, default ServiceAccounts and tokens over a real store, in process. */
describe('AccessControl over a real store', function () {
  this.timeout(60_000);
  let dir: string;
  let store: Store;
  let api: ApiServer;
  let access: AccessControl;
  const sys = newContext(SYSTEM_USER);

  const create = (group: string, resource: string, ns: string | undefined, obj: KubeObject) => {
    const r = api.registry.resolve(group, 'v1', resource);
    if (!r) throw new Error(resource);
    return api.storage.create(sys, r.info, r.version, ns, obj, W);
  };
  const del = (group: string, resource: string, ns: string | undefined, name: string) => {
    const r = api.registry.resolve(group, 'v1', resource);
    if (!r) throw new Error(resource);
    return api.storage.delete(sys, r.info, r.version, ns, name, { dryRun: false });
  };
  const can = (user: UserInfo, a: Partial<RequestAttributes>) =>
    new UnionAuthorizer([mastersAuthorizer, access.authorizer()]).authorize(user, {
      verb: 'create',
      resourceRequest: true,
      path: '',
      ...a,
    });

  before(async () => {
    dir = tempDir('access-control-');
    const pki = await ensurePki(`${dir}/pki`, { dns: ['localhost'], ips: ['127.0.0.1'] });
    store = await openStore({ kind: 'sqlite', path: `${dir}/state.db` });
    const logger = pino({ level: 'silent' });
    access = new AccessControl({ store, logger, signingKey: ensureServiceAccountKey(`${dir}/pki`) });
    api = new ApiServer({
      store,
      tls: { key: pki.server.key, cert: pki.server.cert, clientCA: pki.ca.cert },
      authenticator: { authenticate: () => undefined },
      logger,
      authorizer: access.authorizer(),
    });
    access.attach(api);
    await api.start();
    await access.start(api);
    for (const name of ['team-a', 'team-b'])
      await create('', 'namespaces', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  });

  after(async () => {
    access?.stop();
    await api?.close();
    await store?.close();
    if (dir) cleanup(dir);
  });

  const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };
  const fd = { group: 'types.kubefed.io', resource: 'federateddeployments' };

  it('a RoleBinding takes effect from the watch, in its namespace only', async () => {
    assert.equal((await can(alice, { ...fd, namespace: 'team-a' })).allowed, false);
    await create('rbac.authorization.k8s.io', 'rolebindings', 'team-a', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'alice-edit', namespace: 'team-a' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'User', name: 'alice' }],
    });
    await waitFor('alice may create in team-a', async () =>
      (await can(alice, { ...fd, namespace: 'team-a' })).allowed ? true : undefined,
    );
    assert.equal((await can(alice, { ...fd, namespace: 'team-b' })).allowed, false);
    assert.equal((await can(alice, { verb: 'get', resourceRequest: false, path: '/version' })).allowed, true);
    assert.equal(
      (await can(alice, { group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' })).allowed,
      true,
    );
  });

  it('every namespace gets a default ServiceAccount, re-created when deleted', async () => {
    await waitFor('default SA in team-b', () => access.tokens?.accountUid('team-b', 'default'));
    const uid = access.tokens?.accountUid('team-b', 'default');
    await del('', 'serviceaccounts', 'team-b', 'default');
    await waitFor('a new default SA in team-b', () => {
      const now = access.tokens?.accountUid('team-b', 'default');
      return now && now !== uid ? now : undefined;
    });
  });

  it('tokens name their ServiceAccount and die with it', async () => {
    const sa = await create('', 'serviceaccounts', 'team-a', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'bot', namespace: 'team-a' },
    });
    await waitFor('bot in the token view', () => access.tokens?.accountUid('team-a', 'bot'));
    const tokens = access.tokens;
    assert.ok(tokens);
    const { token } = tokens.issue(sa, tokens.audiences, 600);
    const user = tokens.check(token);
    assert.equal(user?.name, 'system:serviceaccount:team-a:bot');
    assert.deepEqual(user?.groups, [
      'system:serviceaccounts',
      'system:serviceaccounts:team-a',
      'system:authenticated',
    ]);
    assert.equal(tokens.check(tokens.issue(sa, ['other-audience'], 600).token), undefined);
    await del('', 'serviceaccounts', 'team-a', 'bot');
    await waitFor('the token refused', () => (tokens.check(token) === undefined ? true : undefined));
    assert.deepEqual(tokens.verify(token), { error: 'serviceaccounts "bot" not found' });
  });

  it('aggregates a labelled ClusterRole into edit, and drops it when deleted', async () => {
    const quota = { group: '', resource: 'resourcequotas', namespace: 'team-a' };
    assert.equal((await can(alice, quota)).allowed, false);
    await create('rbac.authorization.k8s.io', 'clusterroles', undefined, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'quota-editor', labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } },
      rules: [{ apiGroups: [''], resources: ['resourcequotas'], verbs: ['create'] }],
    });
    await waitFor('edit aggregates quota-editor', async () =>
      (await can(alice, quota)).allowed ? true : undefined,
    );
    // admin aggregates edit's sources too
    const adminRules = access.index.clusterRoles.get('admin')?.rules ?? [];
    assert.ok(adminRules.some((r) => r.resources?.includes('resourcequotas')));
    await del('rbac.authorization.k8s.io', 'clusterroles', undefined, 'quota-editor');
    await waitFor('edit drops quota-editor', async () =>
      !(await can(alice, quota)).allowed ? true : undefined,
    );
  });
});
