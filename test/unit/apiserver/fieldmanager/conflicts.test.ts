import assert from 'node:assert/strict';
import { conflictError, type FieldConflict } from '../../../../apiserver/fieldmanager/index.js';

const cases: Array<{ name: string; conflicts: FieldConflict[]; message: string; causeMessages: string[] }> = [
  {
    name: 'one conflict with an updater names its version',
    conflicts: [{ manager: 'mgr', apiVersion: 'apps/v1', field: '.spec.replicas', operation: 'Update' }],
    message: 'Apply failed with 1 conflict: conflict with "mgr" using apps/v1: .spec.replicas',
    causeMessages: ['conflict with "mgr" using apps/v1'],
  },
  {
    name: 'without an operation the conflict reads as the brief’s example',
    conflicts: [{ manager: 'mgr', apiVersion: 'apps/v1', field: '.spec.replicas' }],
    message: 'Apply failed with 1 conflict: conflict with "mgr" using apps/v1: .spec.replicas',
    causeMessages: ['conflict with "mgr" using apps/v1'],
  },
  {
    name: 'an applier is named alone; a subresource is mentioned',
    conflicts: [{ manager: 'kubectl', apiVersion: 'apps/v1', field: '.spec.replicas', operation: 'Apply' }],
    message: 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas',
    causeMessages: ['conflict with "kubectl"'],
  },
  {
    name: 'several conflicts are grouped by manager, managers sorted',
    conflicts: [
      { manager: 'b', apiVersion: 'apps/v1', field: '.spec.paused', operation: 'Apply' },
      {
        manager: 'a',
        apiVersion: 'apps/v1',
        field: '.spec.replicas',
        operation: 'Update',
        subresource: 'scale',
      },
      {
        manager: 'b',
        apiVersion: 'apps/v1',
        field: '.spec.template.spec.containers[name="nginx"].image',
        operation: 'Apply',
      },
    ],
    message:
      'Apply failed with 3 conflicts: conflicts with "a" with subresource "scale" using apps/v1:\n- .spec.replicas\n' +
      'conflicts with "b":\n- .spec.paused\n- .spec.template.spec.containers[name="nginx"].image',
    causeMessages: [
      'conflict with "b"',
      'conflict with "a" with subresource "scale" using apps/v1',
      'conflict with "b"',
    ],
  },
];

describe('fieldmanager: conflictError', () => {
  for (const c of cases) {
    it(c.name, () => {
      const err = conflictError(c.conflicts, 'deployments', 'apps', 'web');
      const status = err.toStatus();
      assert.equal(status.code, 409);
      assert.equal(status.reason, 'Conflict');
      assert.equal(status.message, c.message);
      assert.deepEqual(
        status.details?.causes,
        c.conflicts.map((x, i) => ({
          reason: 'FieldManagerConflict',
          message: c.causeMessages[i],
          field: x.field,
        })),
      );
    });
  }
});
