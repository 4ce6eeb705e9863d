import { describe, expect, it } from 'vitest';
import { subjectOf } from './data-subject.js';

describe('subjectOf', () => {
  it('keeps the bare id of a Customer stream, the key its data has been stored under', () => {
    expect(subjectOf('Customer', 'c-42')).toBe('c-42');
  });

  it('keys a stream of any other type by type and id', () => {
    expect(subjectOf('LoyaltyAccount', 'c-42')).toBe('LoyaltyAccount#c-42');
  });

  it('gives streams of one id but different types different subjects', () => {
    const subjects = ['Customer', 'Order', 'LoyaltyAccount'].map((type) => subjectOf(type, 'x-1'));
    expect(new Set(subjects).size).toBe(3);
  });
});
