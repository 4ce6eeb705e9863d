import { type BackoffPolicy, delayForAttempt } from '../../core/retry.js';

/** How an idle shard paces its reads. */
export interface IdlePausePolicy extends BackoffPolicy {
  /**
   * Empty reads in a row at the shortest pause before it starts to grow: a shard that saw a
   * record less than about a second ago keeps reading at the short pause, so that steady
   * traffic, however light, does not wait for a long one.
   */
  steadyEmptyReads: number;
}

/** The pause after the `emptyReads`-th read in a row that found nothing (1-based). */
export const idlePauseMs = (policy: IdlePausePolicy, emptyReads: number): number =>
  emptyReads <= policy.steadyEmptyReads
    ? policy.initialDelayMs
    : delayForAttempt(policy, emptyReads - policy.steadyEmptyReads + 1);
