import { eventsV1ToCore } from '../events/conversion.js';
import type { Printer } from './printer.js';
import { eventPrinter } from './printers-core.js';

/**
 * events.k8s.io/v1 Events print as core Events do (kube-apiserver converts both to its internal
 * Event before printing): LAST SEEN, TYPE, REASON, OBJECT, MESSAGE.
 */
export const eventsV1Printer: Printer = {
  columns: eventPrinter.columns,
  print: (o, now) => eventPrinter.print(eventsV1ToCore(o), now),
};
