/**
 * The fleet dashboard (issue 15) in a real browser: Debian's chromium driven by playwright-core
 * against a real hub with two edge sites (agents with the simulated engine). Sign-in with the URL
 * `edgefed dashboard` prints, live updates over watches (no reload), a stopped site turning
 * NotReady/stale on screen, an image that cannot be used showing its reason, and a ServiceAccount
 * that may only view one namespace seeing only that namespace and no edit actions. Screenshots of
 * the main views go to docs/ (referenced from the README).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createJoinToken, edgefed, joinAgent, spawnAgent, type AgentProcess } from '../helpers/agents.js';
import {
  cleanup,
  kubectlOk,
  request,
  ROOT,
  startHub,
  tempDir,
  toYaml,
  type HubProcess,
} from '../helpers/hub.js';

const SITES = {
  'edge-a': { ip: '127.0.0.61', region: 'eu-west', zone: 'eu-west-1a' },
  'edge-b': { ip: '127.0.0.62', region: 'us-east', zone: 'us-east-1b' },
} as const;
type Site = keyof typeof SITES;
const DOCS = join(ROOT, 'docs');
/** Long enough for a loaded machine, short enough that a stopped site shows up as such quickly. */
const WAIT = 90_000;

/** The sign-in URL `edgefed dashboard` printed (as a user would copy it). */
function dashboardUrl(kubeconfig: string, args: string[] = []): string {
  const r = edgefed(['dashboard', '--kubeconfig', kubeconfig, ...args]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const url = /https:\/\/\S+\/ui\/#code=\S+/.exec(r.stdout)?.[0];
  assert.ok(url, `no sign-in URL in:\n${r.stdout}`);
  return url;
}

describe('fleet dashboard in a browser (chromium, two edge sites)', function () {
  this.timeout(300_000);
  let hub: HubProcess;
  let browser: Browser;
  let page: Page;
  const agents: Partial<Record<Site, AgentProcess>> = {};
  const dirs: string[] = [];

  const apply = (...docs: object[]): string =>
    kubectlOk(hub.kubeconfig, ['apply', '-f', '-'], toYaml(...docs));
  const namespace = (name: string): object[] => [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedNamespace',
      metadata: { name, namespace: name },
      spec: { placement: { clusterSelector: {} } },
    },
  ];
  /** A FederatedDeployment on both sites, its pods labelled app=<name>. */
  const deployment = (ns: string, name: string, image: string, replicas: number): object => ({
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedDeployment',
    metadata: { name, namespace: ns },
    spec: {
      template: {
        spec: {
          replicas,
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
        },
      },
      placement: { clusters: Object.keys(SITES).map((c) => ({ name: c })) },
    },
  });
  const shot = async (p: Page, name: string): Promise<void> => {
    await p.screenshot({ path: join(DOCS, name), fullPage: true });
  };

  before(async () => {
    // The bundle the hub serves (npm run build does this; a test run of this file alone may not have).
    execFileSync(process.execPath, [join(ROOT, 'ui', 'build.mjs')], { stdio: 'ignore' });
    mkdirSync(DOCS, { recursive: true });
    hub = await startHub({ extraArgs: ['--heartbeat-threshold', '8'] });
    const tok = createJoinToken(hub.kubeconfig);
    for (const [name, s] of Object.entries(SITES) as [Site, (typeof SITES)[Site]][]) {
      const dir = tempDir(`edgefed-dash-${name}-`);
      dirs.push(dir);
      joinAgent({
        hub: hub.url,
        ...tok,
        name,
        dataDir: dir,
        labels: { 'topology.kubernetes.io/region': s.region, 'topology.kubernetes.io/zone': s.zone },
      });
      agents[name] = spawnAgent({
        dataDir: dir,
        member: { runtime: 'edge', engine: 'simulated', nodeIp: s.ip },
        intervals: { heartbeat: '1s', status: '1s' },
      });
    }
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    // The hub's certificate is signed by its own CA, which this browser profile does not know.
    page = await (
      await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1200, height: 800 } })
    ).newPage();
  });

  after(async () => {
    await browser?.close();
    for (const a of Object.values(agents)) await a?.stop();
    await hub?.stop();
    for (const d of [hub?.dataDir, ...dirs]) if (d) cleanup(d);
  });

  it('pages carry a strict Content-Security-Policy; a sign-in code works once', async () => {
    for (const path of ['/ui/', '/ui/app.js', '/ui/app.css']) {
      const r = await request(hub, 'GET', path, undefined, {}, { cert: undefined, key: undefined });
      assert.equal(r.status, 200, `${path}: ${r.body}`);
      const csp = String(r.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
    }
    const code = decodeURIComponent(new URL(dashboardUrl(hub.kubeconfig)).hash.replace(/^#code=/, ''));
    const anon = { cert: undefined, key: undefined };
    const first = await request(hub, 'POST', '/ui/api/exchange', { code }, {}, anon);
    assert.equal(first.status, 200, first.body);
    const token = first.json<{ token: string }>().token;
    // The token is a real ServiceAccount token: the API takes it.
    const me = await request(
      hub,
      'GET',
      '/api/v1/namespaces',
      undefined,
      { authorization: `Bearer ${token}` },
      anon,
    );
    assert.equal(me.status, 200, me.body);
    const again = await request(hub, 'POST', '/ui/api/exchange', { code }, {}, anon);
    assert.equal(again.status, 401);
    assert.equal(again.json().reason, 'Unauthorized');
    // Only an authenticated (and authorized) caller may mint codes.
    const mint = await request(hub, 'POST', '/ui/api/codes', { token: 'x' }, {}, anon);
    assert.equal(mint.status, 401);
  });

  it('a sign-in code expires (a hub with 1 s codes)', async () => {
    // The lifetime is read by the hub process from its environment at start.
    const before = process.env.EDGEFED_DASHBOARD_CODE_TTL;
    process.env.EDGEFED_DASHBOARD_CODE_TTL = '1';
    let short: HubProcess | undefined;
    try {
      short = await startHub();
    } finally {
      if (before === undefined) delete process.env.EDGEFED_DASHBOARD_CODE_TTL;
      else process.env.EDGEFED_DASHBOARD_CODE_TTL = before;
    }
    try {
      const r = edgefed(['dashboard', '--kubeconfig', short.kubeconfig]);
      assert.equal(r.code, 0, r.stderr);
      const code = decodeURIComponent(/#code=(\S+)/.exec(r.stdout)?.[1] ?? '');
      const until = Date.parse(/until (\S+?)\)/.exec(r.stdout)?.[1] ?? '');
      assert.ok(code && until, r.stdout);
      // Past the printed expiry by the hub's clock too (same machine), with a margin.
      await new Promise((res) => setTimeout(res, Math.max(0, until - Date.now()) + 200));
      const late = await request(
        short,
        'POST',
        '/ui/api/exchange',
        { code },
        {},
        { cert: undefined, key: undefined },
      );
      assert.equal(late.status, 401, late.body);
      assert.match(late.json<{ message: string }>().message, /expired/);
    } finally {
      await short.stop();
      cleanup(short.dataDir);
    }
  });

  it('sign in with the printed URL: the overview shows both sites in their regions and zones', async () => {
    await page.goto(dashboardUrl(hub.kubeconfig));
    // The code leaves the address bar at once.
    await page.waitForURL((u) => !u.hash.includes('code='));
    for (const [name, s] of Object.entries(SITES)) {
      await page
        .locator(
          `section[data-region="${s.region}"] div[data-zone="${s.zone}"] tr[data-cluster="${name}"][data-health="Ready"]`,
        )
        .waitFor({ timeout: WAIT });
    }
    assert.match(
      await page
        .locator('h2')
        .allInnerTexts()
        .then((t) => t.join('|')),
      /eu-west.*us-east/,
    );
    // A mark on the page's global object: a reload would lose it. (Browser-side code is given as
    // strings: this file is type-checked without the DOM library.)
    await page.evaluate('globalThis.edgefedNoReload = true');
    await shot(page, 'dashboard-overview.png');
  });

  it('a federated apply appears with per-site readiness, without a reload', async () => {
    await page.keyboard.press('2');
    await page.locator('h1', { hasText: 'Federated workloads' }).waitFor();
    apply(...namespace('shop'), deployment('shop', 'web', 'busybox:stable', 2));
    for (const site of Object.keys(SITES))
      await page
        .locator(`tr[data-workload="shop/web"] .placement[data-cluster="${site}"]`, {
          hasText: `${site} 2/2`,
        })
        .waitFor({ timeout: WAIT });
    await page.locator('tr[data-workload="shop/web"][data-health="ok"]').waitFor({ timeout: WAIT });
    assert.equal(await page.evaluate('globalThis.edgefedNoReload === true'), true, 'the page was reloaded');
    await shot(page, 'dashboard-workloads.png');
  });

  it('multi-cluster DNS names show with the addresses of the sites that serve them', async () => {
    apply(
      {
        apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
        kind: 'Domain',
        metadata: { name: 'fed', namespace: 'kube-federation-system' },
        domain: 'example.com',
        nameServer: 'ns1.example.com',
      },
      {
        apiVersion: 'types.kubefed.io/v1beta1',
        kind: 'FederatedService',
        metadata: { name: 'web', namespace: 'shop' },
        spec: {
          template: {
            spec: { selector: { app: 'web' }, type: 'LoadBalancer', ports: [{ name: 'http', port: 80 }] },
          },
          placement: { clusters: Object.keys(SITES).map((name) => ({ name })) },
        },
      },
      {
        apiVersion: 'multiclusterdns.kubefed.io/v1alpha1',
        kind: 'ServiceDNSRecord',
        metadata: { name: 'web', namespace: 'shop' },
        spec: { domainRef: 'fed', recordTTL: 5 },
      },
    );
    await page.keyboard.press('3');
    const row = page.locator('tr[data-dns="web.shop.fed.svc.example.com"]');
    await row.filter({ hasText: `${SITES['edge-a'].ip}, ${SITES['edge-b'].ip}` }).waitFor({ timeout: WAIT });
    await page.locator(`tr[data-dns="web.shop.fed.svc.${SITES['edge-a'].region}.example.com"]`).waitFor();
    await shot(page, 'dashboard-dns.png');
    await page.keyboard.press('2');
    await page.locator('h1', { hasText: 'Federated workloads' }).waitFor();
  });

  it("an image that cannot be used shows its reason and message on the workload's page", async () => {
    apply(deployment('shop', 'broken', 'NOT A VALID:IMAGE', 1));
    await page.locator('tr[data-workload="shop/broken"] a').waitFor({ timeout: WAIT });
    // Keyboard: j walks the row links (broken sorts before web), Enter opens.
    await page.keyboard.press('j');
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'broken');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/workload\/federateddeployments\/shop\/broken$/);
    const problem = page.locator('tr[data-cluster="edge-a"] .problem');
    await problem.first().waitFor({ timeout: WAIT });
    const text = await problem.first().innerText();
    assert.match(text, /InvalidImageName|ErrImagePull|ImagePullBackOff/);
    assert.match(text, /NOT A VALID:IMAGE|invalid reference/i);
    // The admin may delete it: the edit action is offered.
    await page.locator('button[data-action="delete"]').waitFor({ timeout: WAIT });
    await shot(page, 'dashboard-workload-problem.png');
  });

  it("a site's page lists its Works with their status, and its nodes and pods from the inventory", async () => {
    await page.locator('tr[data-cluster="edge-a"] a').click();
    await page.waitForURL(/#\/site\/edge-a$/);
    // Works are named <resource>.<group>.<namespace>.<name>.
    const work = page.locator('tr[data-work="deployments.apps.shop.broken"]');
    await work.locator('.problem').first().waitFor({ timeout: WAIT });
    assert.match(await work.innerText(), /Applied/);
    await page
      .locator('tr[data-work="deployments.apps.shop.web"]', { hasText: '2/2' })
      .waitFor({ timeout: WAIT });
    // The agent's ClusterInventory: its node (with its IP) and its pods, the broken one included.
    await page
      .locator('table[aria-label="nodes"] tr', { hasText: SITES['edge-a'].ip })
      .waitFor({ timeout: WAIT });
    await page
      .locator('table[aria-label="pods"] tr', {
        hasText: /broken-.*(ErrImagePull|ImagePullBackOff|InvalidImageName)/,
      })
      .first()
      .waitFor({ timeout: WAIT });
    await shot(page, 'dashboard-site.png');
    await page.keyboard.press('2');
    await page.locator('h1', { hasText: 'Federated workloads' }).waitFor();
  });

  it('the admin deletes a workload from its page (after a confirmation); it leaves the list live', async () => {
    await page.locator('tr[data-workload="shop/broken"] a').click();
    await page.locator('button[data-action="delete"]').click();
    await page.locator('button[data-action="confirm-delete"]').click();
    await page.locator('p.empty', { hasText: 'does not exist' }).waitFor({ timeout: WAIT });
    await page.keyboard.press('2');
    await page.locator('tr[data-workload="shop/web"]').waitFor();
    assert.equal(await page.locator('tr[data-workload="shop/broken"]').count(), 0);
    const r = kubectlOk(hub.kubeconfig, ['get', 'federateddeployments', '-n', 'shop', '-o', 'name']);
    assert.doesNotMatch(r, /broken/);
  });

  it('a ServiceAccount that may only view one namespace sees only it, and no edit actions', async () => {
    apply(...namespace('team-a'), ...namespace('team-b'));
    apply(
      deployment('team-a', 'visible', 'busybox:stable', 1),
      deployment('team-b', 'hidden', 'busybox:stable', 1),
    );
    kubectlOk(hub.kubeconfig, ['create', 'serviceaccount', 'viewer', '-n', 'team-a']);
    kubectlOk(hub.kubeconfig, [
      'create',
      'rolebinding',
      'viewer-view',
      '--clusterrole=view',
      '--serviceaccount=team-a:viewer',
      '-n',
      'team-a',
    ]);
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1200, height: 700 } });
    try {
      const viewer = await ctx.newPage();
      // This one signs in by pasting a token from kubectl (TokenRequest) into the sign-in page.
      const pasted = kubectlOk(hub.kubeconfig, ['create', 'token', 'viewer', '-n', 'team-a']).trim();
      await viewer.goto(new URL('/ui/', hub.url).toString());
      await viewer.locator('textarea#token').fill(pasted);
      await viewer.locator('button[type="submit"]').click();
      // Clusters live in kube-federation-system: refused, and said so.
      await viewer
        .locator('.note.error', { hasText: 'not allowed to list clusters' })
        .waitFor({ timeout: WAIT });
      await viewer.keyboard.press('2');
      await viewer.locator('tr[data-workload="team-a/visible"]').waitFor({ timeout: WAIT });
      await viewer.locator('p.summary', { hasText: 'namespace team-a' }).waitFor();
      assert.equal(
        await viewer.locator('tr[data-workload^="team-b/"], tr[data-workload^="shop/"]').count(),
        0,
      );
      await shot(viewer, 'dashboard-viewer.png');
      await viewer.locator('tr[data-workload="team-a/visible"] a').click();
      await viewer.locator('h1', { hasText: 'team-a/visible' }).waitFor();
      await viewer.locator('table[aria-label="per-cluster status"]').waitFor({ timeout: WAIT });
      assert.equal(await viewer.locator('button[data-action="delete"]').count(), 0);
      // And the API agrees (RBAC, not the page, is what refuses).
      const token = await viewer.evaluate<string | null>("sessionStorage.getItem('edgefed.dashboard.token')");
      assert.ok(token);
      const del = await request(
        hub,
        'DELETE',
        '/apis/types.kubefed.io/v1beta1/namespaces/team-a/federateddeployments/visible',
        undefined,
        { authorization: `Bearer ${token}` },
        { cert: undefined, key: undefined },
      );
      assert.equal(del.status, 403, del.body);
      // edgefed dashboard --service-account signs in as that account too.
      const url = dashboardUrl(hub.kubeconfig, ['--service-account', 'team-a/viewer']);
      const code = decodeURIComponent(new URL(url).hash.replace(/^#code=/, ''));
      const anon = { cert: undefined, key: undefined };
      const ex = await request(hub, 'POST', '/ui/api/exchange', { code }, {}, anon);
      assert.equal(ex.status, 200, ex.body);
      const bearer = { authorization: `Bearer ${ex.json<{ token: string }>().token}` };
      const ns = '/apis/types.kubefed.io/v1beta1/namespaces';
      assert.equal(
        (await request(hub, 'GET', `${ns}/team-a/federateddeployments`, undefined, bearer, anon)).status,
        200,
      );
      assert.equal(
        (await request(hub, 'GET', `${ns}/team-b/federateddeployments`, undefined, bearer, anon)).status,
        403,
      );
    } finally {
      await ctx.close();
    }
  });

  it("stopping a site's agent turns it NotReady and stale on screen", async () => {
    await page.keyboard.press('1');
    await page.locator('tr[data-cluster="edge-b"][data-health="Ready"]').waitFor({ timeout: WAIT });
    await agents['edge-b']?.stop();
    const row = page.locator('tr[data-cluster="edge-b"][data-health="NotReady"]');
    await row.waitFor({ timeout: WAIT });
    assert.match(await row.innerText(), /stale since/);
    await page.locator('tr[data-cluster="edge-a"][data-health="Ready"]').waitFor();
    assert.equal(await page.evaluate('globalThis.edgefedNoReload === true'), true, 'the page was reloaded');
    await shot(page, 'dashboard-stale.png');
    // The site's page says its data is stale, and so do the workloads for their copies there.
    await page.locator('tr[data-cluster="edge-b"] a').click();
    await page.locator('.note.stale', { hasText: 'stale since' }).waitFor({ timeout: WAIT });
    await page.keyboard.press('2');
    await page
      .locator('tr[data-workload="shop/web"] .placement.stale[data-cluster="edge-b"]')
      .waitFor({ timeout: WAIT });
    assert.equal(
      await page.locator('tr[data-workload="shop/web"] .placement.stale[data-cluster="edge-a"]').count(),
      0,
    );
  });

  it('a hub that goes away is said so on screen, with the data kept as of then', async () => {
    await hub.stop();
    await page
      .locator('.note.warn', { hasText: 'Connection to the hub lost' })
      .first()
      .waitFor({ timeout: WAIT });
    await page.locator('tr[data-workload="shop/web"]').waitFor();
  });
});
