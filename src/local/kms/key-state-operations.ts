import type { KeyRing, MasterKey } from './key-ring.js';
import { invalidState, requireEnabled, requireNotPendingDeletion } from './key-state.js';
import { KmsError } from './kms-errors.js';
import type { Operation } from './operation-context.js';
import {
  epochSeconds,
  optionalInteger,
  type RequestBody,
  requiredString,
} from './request-fields.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** These operations take a key id or key ARN; KMS refuses an alias there. */
const keyOf = (ring: KeyRing, body: RequestBody): MasterKey =>
  ring.resolve(requiredString(body, 'KeyId'), { allowAlias: false });

export const disableKey: Operation = async (body, { ring, persist }) => {
  const key = requireNotPendingDeletion(ring, keyOf(ring, body));
  key.keyState = 'Disabled';
  await persist();
  return {};
};

export const enableKey: Operation = async (body, { ring, persist }) => {
  const key = requireNotPendingDeletion(ring, keyOf(ring, body));
  key.keyState = 'Enabled';
  await persist();
  return {};
};

/** The key stays `PendingDeletion` until its date, then is deleted with its aliases. */
export const scheduleKeyDeletion: Operation = async (body, { ring, persist, now }) => {
  const key = requireNotPendingDeletion(ring, keyOf(ring, body));
  const days = optionalInteger(body, 'PendingWindowInDays', { min: 7, max: 30 }) ?? 30;
  const deletionDate = new Date(now().getTime() + days * DAY_MS).toISOString();
  key.keyState = 'PendingDeletion';
  key.deletionDate = deletionDate;
  key.pendingWindowInDays = days;
  await persist();
  return {
    KeyId: ring.keyArn(key.keyId),
    DeletionDate: epochSeconds(deletionDate),
    KeyState: key.keyState,
    PendingWindowInDays: days,
  };
};

/** A cancelled deletion leaves the key `Disabled`, as in KMS: enabling it is a separate step. */
export const cancelKeyDeletion: Operation = async (body, { ring, persist }) => {
  const key = keyOf(ring, body);
  if (key.keyState !== 'PendingDeletion')
    throw new KmsError(
      'KMSInvalidStateException',
      `${ring.keyArn(key.keyId)} is not pending deletion.`,
    );
  key.keyState = 'Disabled';
  delete key.deletionDate;
  delete key.pendingWindowInDays;
  await persist();
  return { KeyId: ring.keyArn(key.keyId) };
};

/** Only symmetric encryption keys rotate automatically. */
const rotatable = (ring: KeyRing, key: MasterKey): MasterKey => {
  if (key.keySpec !== 'SYMMETRIC_DEFAULT')
    throw new KmsError(
      'UnsupportedOperationException',
      `${ring.keyArn(key.keyId)} key spec ${key.keySpec} does not support automatic key rotation.`,
    );
  return key;
};

/** The next anniversary of turning rotation on that is still ahead of `now`. */
const nextRotation = (since: string, periodInDays: number, now: Date): number => {
  const period = periodInDays * DAY_MS;
  const start = Date.parse(since);
  const periods = Math.floor((now.getTime() - start) / period) + 1;
  return (start + periods * period) / 1000;
};

export const getKeyRotationStatus: Operation = async (body, { ring, now }) => {
  const key = rotatable(ring, keyOf(ring, body));
  if (key.keyState === 'PendingDeletion') throw invalidState(ring, key);
  const { rotation } = key;
  return {
    KeyId: ring.keyArn(key.keyId),
    KeyRotationEnabled: rotation !== undefined,
    ...(rotation === undefined
      ? {}
      : {
          RotationPeriodInDays: rotation.periodInDays,
          NextRotationDate: nextRotation(rotation.since, rotation.periodInDays, now()),
        }),
  };
};

export const enableKeyRotation: Operation = async (body, { ring, persist, now }) => {
  const key = requireEnabled(ring, rotatable(ring, keyOf(ring, body)));
  const periodInDays = optionalInteger(body, 'RotationPeriodInDays', { min: 90, max: 2560 }) ?? 365;
  key.rotation = { periodInDays, since: now().toISOString() };
  await persist();
  return {};
};

export const disableKeyRotation: Operation = async (body, { ring, persist }) => {
  const key = requireEnabled(ring, rotatable(ring, keyOf(ring, body)));
  delete key.rotation;
  await persist();
  return {};
};
