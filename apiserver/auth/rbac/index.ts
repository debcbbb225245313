/**
 * An informer-like in-memory view of the RBAC objects, kept current from the store's watch, so an
 * authorization decision reads no storage (kube's RBAC authorizer reads its listers the same way).
 */
import { EventEmitter } from 'node:events';
import { followPrefix, type Follower } from '../../storage/follow.js';
import type { Store, StoreEvent, StoredObject } from '../../storage/store.js';
import type { KubeObject } from '../../../api/kubernetes.js';
import type { AggregationRule, BindingView, PolicyRule, RoleRef, RoleView, Subject } from './rules.js';

const PREFIX = '/registry/rbac.authorization.k8s.io/';

type Kind = 'clusterroles' | 'roles' | 'clusterrolebindings' | 'rolebindings';

/** "<kind>/<namespace>/<name>" or "<kind>/<name>" from a storage key. */
function parseKey(key: string): { kind: Kind; namespace: string; name: string } | undefined {
  const parts = key.slice(PREFIX.length).split('/');
  const kind = parts[0] as Kind;
  if ((kind === 'clusterroles' || kind === 'clusterrolebindings') && parts.length === 2)
    return { kind, namespace: '', name: parts[1] };
  if ((kind === 'roles' || kind === 'rolebindings') && parts.length === 3)
    return { kind, namespace: parts[1], name: parts[2] };
  return undefined;
}

function roleView(o: KubeObject): RoleView {
  return {
    name: String(o.metadata.name),
    labels: o.metadata.labels ?? {},
    rules: Array.isArray(o.rules) ? (o.rules as PolicyRule[]) : [],
    aggregationRule: o.aggregationRule as AggregationRule | undefined,
  };
}

function bindingView(o: KubeObject): BindingView {
  return {
    name: String(o.metadata.name),
    namespace: o.metadata.namespace ?? '',
    subjects: Array.isArray(o.subjects) ? (o.subjects as Subject[]) : [],
    roleRef: (o.roleRef ?? { kind: '', name: '' }) as RoleRef,
  };
}

/** Emits 'clusterroles' after any ClusterRole changed (the aggregation controller listens). */
export class RbacIndex extends EventEmitter {
  readonly clusterRoles = new Map<string, RoleView>();
  /** namespace → name → role */
  readonly roles = new Map<string, Map<string, RoleView>>();
  readonly clusterRoleBindings = new Map<string, BindingView>();
  /** namespace → name → binding */
  readonly roleBindings = new Map<string, Map<string, BindingView>>();
  private follower: Follower | undefined;

  constructor(private readonly store: Store) {
    super();
  }

  async start(): Promise<void> {
    this.follower = await followPrefix(this.store, PREFIX, {
      reset: (items) => this.reset(items),
      event: (ev) => this.apply(ev),
    });
  }

  stop(): void {
    this.follower?.stop();
  }

  role(namespace: string, name: string): RoleView | undefined {
    return this.roles.get(namespace)?.get(name);
  }

  bindingsIn(namespace: string): Iterable<BindingView> {
    return this.roleBindings.get(namespace)?.values() ?? [];
  }

  /** The rules a binding grants: its ClusterRole's, or its Role's in the binding's namespace. */
  rulesOf(b: BindingView): PolicyRule[] {
    if (b.roleRef.kind === 'ClusterRole') return this.clusterRoles.get(b.roleRef.name)?.rules ?? [];
    if (b.roleRef.kind === 'Role' && b.namespace) return this.role(b.namespace, b.roleRef.name)?.rules ?? [];
    return [];
  }

  private reset(items: StoredObject[]): void {
    this.clusterRoles.clear();
    this.roles.clear();
    this.clusterRoleBindings.clear();
    this.roleBindings.clear();
    for (const it of items) this.put(it.key, it.object);
    this.emit('clusterroles');
  }

  private apply(ev: StoreEvent): void {
    const k = parseKey(ev.key);
    if (!k) return;
    if (ev.type === 'DELETED') this.remove(k.kind, k.namespace, k.name);
    else this.put(ev.key, ev.object);
    if (k.kind === 'clusterroles') this.emit('clusterroles');
  }

  private put(key: string, o: KubeObject): void {
    const k = parseKey(key);
    if (!k) return;
    switch (k.kind) {
      case 'clusterroles':
        this.clusterRoles.set(k.name, roleView(o));
        break;
      case 'clusterrolebindings':
        this.clusterRoleBindings.set(k.name, bindingView(o));
        break;
      case 'roles':
        nested(this.roles, k.namespace).set(k.name, roleView(o));
        break;
      case 'rolebindings':
        nested(this.roleBindings, k.namespace).set(k.name, bindingView(o));
        break;
    }
  }

  private remove(kind: Kind, namespace: string, name: string): void {
    if (kind === 'clusterroles') this.clusterRoles.delete(name);
    else if (kind === 'clusterrolebindings') this.clusterRoleBindings.delete(name);
    else if (kind === 'roles') this.roles.get(namespace)?.delete(name);
    else this.roleBindings.get(namespace)?.delete(name);
  }
}

function nested<T>(m: Map<string, Map<string, T>>, ns: string): Map<string, T> {
  let inner = m.get(ns);
  if (!inner) {
    inner = new Map();
    m.set(ns, inner);
  }
  return inner;
}
