import { AsyncLocalStorage } from 'node:async_hooks';
import type { Pluggable } from '@smithy/types';

/** One AWS call as the SDK made it: after serialisation (DynamoDB values marshalled), before retries. */
export interface RecordedCall {
  /** Who made it: the function or tool whose code was running (`recorder.as(caller, …)`). */
  caller: string;
  /** The SDK client's name: `DynamoDBClient`, `KMSClient`, `SQSClient`, … */
  client: string;
  /** The operation: `BatchGetItem`, `Decrypt`, `SendMessage`, … */
  operation: string;
  input: Record<string, unknown>;
  /** The answer's fields (absent when the call failed). */
  output?: Record<string, unknown>;
  /** The error's name when the call failed (`ConditionalCheckFailedException`, …). */
  error?: string;
}

type AnyClient = { middlewareStack: { add: (...args: never[]) => unknown } };
// biome-ignore lint/suspicious/noExplicitAny: any client class, whatever its constructor takes
type ClientClass = abstract new (...args: any[]) => object;

/**
 * Records every AWS call that SDK v3 clients make while a caller's code runs, by a middleware
 * on each client's own middleware stack (the build step: the input as sent, once per call
 * however often the SDK retries it). Calls made outside `as` (test set-up) are not recorded.
 *
 * `attachTo` hooks the clients' shared base class, so every client the code under test
 * builds, wherever it builds it, carries the middleware from its first call.
 */
export class AwsCallRecorder {
  readonly calls: RecordedCall[] = [];
  private readonly current = new AsyncLocalStorage<string>();
  private readonly attached = new WeakSet<object>();
  private readonly restores: (() => void)[] = [];

  /** Runs `work` as `caller`: every AWS call it makes, awaited or left running, is theirs. */
  as<T>(caller: string, work: () => Promise<T>): Promise<T> {
    return this.current.run(caller, work);
  }

  /** Calls recorded for one caller. */
  callsOf(caller: string): RecordedCall[] {
    return this.calls.filter((call) => call.caller === caller);
  }

  /** The plugin form, for a client builder that takes plugins. */
  get plugin(): Pluggable<object, object> {
    return {
      applyToStack: (stack) => {
        stack.add(this.middleware() as never, {
          step: 'build',
          name: 'awsCallRecorder',
          override: true,
        });
      },
    };
  }

  /**
   * Hooks `send` of the base class of these SDK client classes (one is enough when they
   * share it, as clients of one SDK install do), adding the middleware on first use.
   */
  attachTo(...clientClasses: ClientClass[]): void {
    const bases = new Set(clientClasses.map((type) => Object.getPrototypeOf(type.prototype)));
    for (const base of bases) {
      const original = base.send as (this: AnyClient, ...args: unknown[]) => unknown;
      const recorder = this;
      base.send = function send(this: AnyClient, ...args: unknown[]) {
        recorder.attach(this);
        return original.apply(this, args);
      };
      this.restores.push(() => {
        base.send = original;
      });
    }
  }

  /** Never records these clients' calls (a stand-in's own, made while serving a caller). */
  ignore(...clients: AnyClient[]): void {
    for (const client of clients) this.attached.add(client.middlewareStack);
  }

  /** Puts `send` back. */
  detach(): void {
    for (const restore of this.restores.splice(0)) restore();
  }

  private attach(client: AnyClient): void {
    // A DynamoDB document client shares its inner client's stack: one middleware serves both.
    const stack = client.middlewareStack;
    if (this.attached.has(stack)) return;
    this.attached.add(stack);
    this.plugin.applyToStack?.(stack as never);
  }

  private middleware() {
    return (
      next: (args: { input: Record<string, unknown> }) => Promise<{ output: unknown }>,
      context: { clientName?: string; commandName?: string },
    ) =>
      async (args: { input: Record<string, unknown> }) => {
        const caller = this.current.getStore();
        if (caller === undefined) return next(args);
        const call: RecordedCall = {
          caller,
          client: context.clientName ?? 'unknown',
          operation: (context.commandName ?? 'unknown').replace(/Command$/, ''),
          input: args.input,
        };
        this.calls.push(call);
        try {
          const result = await next(args);
          call.output = result.output as Record<string, unknown>;
          return result;
        } catch (error) {
          call.error = error instanceof Error ? error.name : String(error);
          throw error;
        }
      };
  }
}
