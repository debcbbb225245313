import pino, { type Logger } from 'pino';

/** Structured logs on stderr; credentials are redacted wherever they might appear. */
export function createLogger(level: string, name = 'edgefed'): Logger {
  return pino(
    {
      name,
      level,
      redact: {
        paths: [
          'req.headers.authorization',
          'headers.authorization',
          '*.token',
          '*.key',
          '*.password',
          '*.clientKey',
          'data',
          '*.data',
          'stringData',
          '*.stringData',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination(2),
  );
}
