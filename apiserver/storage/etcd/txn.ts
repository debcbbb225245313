/** The compare halves of the EtcdStore's transactions, and what a failed compare means (pure). */
import { CompareResult, CompareTarget, type ICompare, type IKeyValue } from 'etcd3';
import { StoreError } from '../store.js';
import { toStored } from './codec.js';

/** The key exists and, when asked, is still at `expected` (its mod_revision). */
export function expectAt(k: Buffer, expected: number | undefined): ICompare[] {
  const exists: ICompare = {
    key: k,
    target: CompareTarget.Version,
    result: CompareResult.Greater,
    version: 0,
  };
  if (expected === undefined) return [exists];
  return [exists, { key: k, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: expected }];
}

/** Why a compare failed: the key is gone (NotFound) or at another revision (Conflict, with the current object). */
export function casFailure(key: string, cur: IKeyValue | undefined): StoreError {
  if (!cur) return new StoreError('NotFound', `key ${key} not found`);
  const current = toStored(key, cur);
  return new StoreError('Conflict', `key ${key} is at revision ${current.revision}`, current);
}
