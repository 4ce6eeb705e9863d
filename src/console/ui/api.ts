import { authorizationHeaders, tokenRefused } from './auth/bearer.js';

/** Marks a request as the console's: the service refuses browser writes without it. */
export const CONSOLE_HEADER = 'x-console-request';

export interface FieldProblem {
  field: string;
  message: string;
}

/** An answer that was not a success, with the service's error code and field details. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldProblem[] = [],
  ) {
    super(message);
  }
}

/** Every API call names its caller; a 401 on a signed-in call signs in again. */
const call = async (path: string, init: RequestInit & { headers: Record<string, string> }) => {
  const response = await fetch(path, {
    ...init,
    headers: { ...init.headers, ...(await authorizationHeaders()) },
  });
  if (response.status === 401) await tokenRefused();
  return response;
};

const read = async <T>(response: Response): Promise<T> => {
  const text = await response.text();
  const body = text === '' ? {} : (JSON.parse(text) as unknown);
  if (response.ok) return body as T;
  const error = (body as { error?: { code?: string; message?: string; details?: FieldProblem[] } })
    .error;
  throw new ApiError(
    response.status,
    error?.code ?? `HTTP_${response.status}`,
    error?.message ?? response.statusText,
    error?.details ?? [],
  );
};

export const getJson = async <T>(path: string): Promise<T> =>
  read<T>(await call(path, { headers: { accept: 'application/json' } }));

/**
 * Every state change goes as JSON with the console header, never as a form post. A route
 * that takes no body (DELETE) gets none, still typed as JSON.
 */
export const sendJson = async <T>(
  method: 'POST' | 'PUT' | 'DELETE',
  path: string,
  body: unknown | undefined,
) =>
  read<T>(
    await call(path, {
      method,
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        [CONSOLE_HEADER]: '1',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );

export const describeError = (error: unknown): string => {
  if (error instanceof ApiError) {
    const fields = error.details.map((d) => `${d.field}: ${d.message}`).join('; ');
    return `${error.message}${fields && !error.message.includes(fields) ? ` (${fields})` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
};

export interface CustomerView {
  customerId: string;
  email: string;
  name: string;
  status: string;
  registrationDate: string;
  lastUpdated: string;
  version: number;
  suspensionReasonCode?: string;
  suspensionReason?: string;
}

export interface CustomerPage {
  items: CustomerView[];
  nextCursor?: string;
}

export interface EventEnvelope {
  eventId: string;
  /** The stream's type (`Customer`). */
  aggregateType: string;
  aggregateId: string;
  eventType: string;
  payload: Record<string, unknown>;
  timestamp: string;
  version: number;
  metadata: {
    correlationId: string;
    commandId?: string;
    causationId?: string;
    schemaVersion: number;
    /** Who asked for the command; absent on events written before actors were recorded. */
    actor?: { kind: string; id: string; clientId?: string };
  };
}

export interface CommandAnswer {
  customerId: string;
  version: number;
}

export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

export interface PipelineHealth {
  at: string;
  source: 'in-process' | 'cloudwatch';
  stream: {
    lastSequenceNumber?: string;
    lastPublishedAt?: string;
    iteratorAgeMs?: number;
    recordsPublished: number;
  };
  projectionQueue: QueueDepth;
  deadLetterQueue: QueueDepth;
  activity: {
    intervalSeconds: number;
    points: { at: number; commands: number; projectionLagMs?: number }[];
  };
}

export interface CustomerAudit {
  customerId: string;
  finding: string;
  fold?: Record<string, unknown>;
  view?: Record<string, unknown>;
  fields: string[];
  streamVersion: number;
  error?: string;
}

export interface DeadLetter {
  messageId: string;
  eventType?: string;
  aggregateId?: string;
  version?: number;
  thin: boolean;
  receiveCount?: number;
  sentAt?: string;
  bodyError?: string;
  bodyPreview: string;
  diagnosis: { error?: string; streamVersion: number };
}

export interface RedriveReport {
  moved: { messageId: string }[];
  skipped: number;
  failed: { messageId: string; reason: string }[];
}
