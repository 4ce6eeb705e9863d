import * as z from 'zod';

const TOKEN = /^[A-Za-z0-9._:-]{1,128}$/;
const TOKEN_RULE = 'must be 1 to 128 letters, digits, ".", "_", ":" or "-"';

/** An idempotency key (`Idempotency-Key` header, `commandId` of a direct invocation). */
export const IdempotencyKey = z.string().regex(TOKEN, TOKEN_RULE);
/** A caller's correlation id; anything else is replaced by a new one or refused. */
export const CorrelationId = z.string().regex(TOKEN, TOKEN_RULE);
