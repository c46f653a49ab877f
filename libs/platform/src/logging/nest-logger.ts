import { type LoggerService } from '@nestjs/common';
import { type Logger } from 'pino';

type PinoMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Nest's `LoggerService` on top of pino, so Nest's own messages ("Mapped {/health/ready, GET}
 * route") are JSON lines like everything else. Nest passes the context (a class name) as the last
 * argument and, for errors, a stack before it.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...optionalParams: unknown[]): void {
    this.write('info', message, optionalParams);
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    this.write('error', message, optionalParams);
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.write('warn', message, optionalParams);
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', message, optionalParams);
  }

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.write('trace', message, optionalParams);
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.write('fatal', message, optionalParams);
  }

  private write(level: PinoMethod, message: unknown, optionalParams: unknown[]): void {
    const params = [...optionalParams];
    const last = params.at(-1);
    const context =
      params.length > 0 && typeof last === 'string' ? (params.pop() as string) : undefined;
    const stack =
      typeof params[0] === 'string' && params[0].includes('\n    at ') ? params.shift() : undefined;
    const fields: Record<string, unknown> = {
      ...(context ? { context } : {}),
      ...(stack ? { stack } : {}),
    };
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...message });
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
