/** A work queue and its workers: the part every site controller has in common. */
import type { RuntimeLogger } from '../../../client/log.js';
import { WorkQueue, runWorkers, type ReconcileResult } from '../../../client/workqueue.js';

export class ControllerLoop {
  readonly queue = new WorkQueue();
  private running: Promise<void> | undefined;

  constructor(
    private readonly workers: number,
    private readonly log: RuntimeLogger,
    private readonly reconcile: (key: string) => Promise<ReconcileResult>,
  ) {}

  /** Keys queued before start() wait for it: workers only run once the caches are synced. */
  start(): void {
    this.running ??= runWorkers(this.queue, this.workers, this.reconcile, this.log);
  }

  async stop(): Promise<void> {
    this.queue.shutdown();
    await this.running;
  }
}
