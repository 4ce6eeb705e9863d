import type { CustomerStatus, SuspensionReasonCode } from './events.js';

export type CustomerState =
  | { status: 'UNREGISTERED' }
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
