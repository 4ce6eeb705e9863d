import { KmsError } from './kms-errors.js';
import { optionalInteger, optionalString, type RequestBody } from './request-fields.js';

/** KMS markers are opaque; here a marker is the base64 offset of the next item. */
export const page = <T>(items: T[], body: RequestBody, defaultLimit: number) => {
  const limit = optionalInteger(body, 'Limit', { min: 1, max: 1000 }) ?? defaultLimit;
  const marker = optionalString(body, 'Marker');
  let start = 0;
  if (marker !== undefined) {
    start = Number(Buffer.from(marker, 'base64').toString('utf8'));
    if (!Number.isInteger(start) || start < 0 || start > items.length)
      throw new KmsError('InvalidMarkerException', 'The marker is not valid.');
  }
  const next = start + limit;
  const truncated = next < items.length;
  return {
    items: items.slice(start, next),
    truncated,
    ...(truncated ? { NextMarker: Buffer.from(String(next)).toString('base64') } : {}),
  };
};
