/**
 * Element order after a strategic merge, as strategicpatch's normalizeElementOrder and
 * mergeSortedSlice compute it: items named by the patch (or by `$setElementOrder`) take the patch's
 * order, the other items keep their order from the live list, and the two are interleaved so each
 * patch item lands just after the live items that preceded it. A new item that no live item precedes
 * goes first, which is where kubectl users see an added container appear.
 */
export function orderMergedList(
  merged: readonly unknown[],
  patchOrder: readonly unknown[],
  liveOrder: readonly unknown[],
  identity: (item: unknown) => unknown,
): unknown[] {
  const patchPositions = firstPositions(patchOrder.map(identity));
  const livePositions = firstPositions(liveOrder.map(identity));
  const patched = merged.filter((item) => patchPositions.has(identity(item)));
  const liveOnly = merged.filter((item) => !patchPositions.has(identity(item)));
  sortByPosition(patched, patchPositions, identity);
  sortByPosition(liveOnly, livePositions, identity);

  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < liveOnly.length || j < patched.length) {
    if (j >= patched.length) {
      out.push(liveOnly[i++]);
    } else if (i >= liveOnly.length) {
      out.push(patched[j++]);
    } else {
      const live = livePositions.get(identity(liveOnly[i]));
      const patch = livePositions.get(identity(patched[j]));
      // Only when both were in the live list can we tell which came first; otherwise the patch wins.
      if (live !== undefined && patch !== undefined && live < patch) out.push(liveOnly[i++]);
      else out.push(patched[j++]);
    }
  }
  return out;
}

function firstPositions(ids: readonly unknown[]): Map<unknown, number> {
  const positions = new Map<unknown, number>();
  ids.forEach((id, index) => {
    if (!positions.has(id)) positions.set(id, index);
  });
  return positions;
}

function sortByPosition(
  items: unknown[],
  positions: Map<unknown, number>,
  identity: (item: unknown) => unknown,
): void {
  const at = (item: unknown) => positions.get(identity(item)) ?? Number.POSITIVE_INFINITY;
  items.sort((a, b) => at(a) - at(b));
}
