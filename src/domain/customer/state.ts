import type { CustomerStatus, SuspensionReasonCode } from './events.js';

export type CustomerState =
  | { status: 'UNREGISTERED' }
  /** Erased: nothing about the customer is kept, and no command is taken any more. */
  | { status: 'FORGOTTEN' }
  | {
      status: CustomerStatus;
      email: string;
      name: string;
      /** Only while SUSPENDED. */
      suspension?: { reasonCode: SuspensionReasonCode; note?: string };
    };

export const initialState = (): CustomerState => ({ status: 'UNREGISTERED' });

/** Emails are unique case-insensitively, after trimming. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();
