import type { KeyRing } from './key-ring.js';

/** What an operation may use: the keys, a way to save them, and the time. */
export interface OperationContext {
  ring: KeyRing;
  /** Saves the key ring (a no-op in memory); called after every change. */
  persist(): Promise<void>;
  now(): Date;
}

export type Operation = (
  body: Record<string, unknown>,
  context: OperationContext,
) => Promise<unknown>;
