/**
 * The logger the runtime writes to: the pino methods it calls, so a controller passes its own
 * pino child logger and tests can pass a silent one.
 */
import { pino, type Logger } from 'pino';

export type RuntimeLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** Used when no logger is given: library code must not print on its own. */
export const silentLogger: RuntimeLogger = pino({ level: 'silent' });
