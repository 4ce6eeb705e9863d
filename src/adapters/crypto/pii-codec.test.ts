import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DataKeyCache } from '../../core/data-key-cache.js';
import type { DataKeyWrapper, SubjectKeyStore } from '../../core/data-keys.js';
import { subjectOf } from '../../core/data-subject.js';
import { EncodedEventStore } from '../../core/encoded-event-store.js';
import { UniquenessError } from '../../core/errors.js';
import type { EventEnvelope } from '../../core/event.js';
import { SubjectDataKeys } from '../../core/subject-data-keys.js';
import { customerPersonalData } from '../../domain/customer/personal-data.js';
import { InMemoryEventStore } from '../memory/in-memory-event-store.js';
import { encryptField } from './field-cipher.js';
import { HashedEmailClaims } from './hashed-email-claims.js';
import { HmacEmailClaimHasher } from './hmac-email-claim-hasher.js';
import { erasePlaintextPii } from './personal-data-erasure.js';
import { PiiCodec } from './pii-codec.js';

/** Wrapping is XOR with a fixed pad: enough to tell wrapped from plain in a test. */
const pad = randomBytes(32);
const wrapper: DataKeyWrapper = {
  generate: async () => {
    const plaintext = randomBytes(32);
    return { plaintext, wrapped: plaintext.map((b, i) => b ^ (pad[i] ?? 0)) };
  },
  unwrap: async (_id, wrapped) => wrapped.map((b, i) => b ^ (pad[i] ?? 0)),
};
const keyStore = (): SubjectKeyStore & { items: Map<string, Uint8Array> } => {
  const items = new Map<string, Uint8Array>();
  return {
    items,
    get: async (id) => items.get(id),
    putIfAbsent: async (id, wrapped) => {
      const held = items.get(id);
      if (held) return { wrapped: held, created: false };
      items.set(id, wrapped);
      return { wrapped, created: true };
    },
    delete: async (id) => items.delete(id),
  };
};

const customerCodec = (keys: SubjectDataKeys) =>
  new PiiCodec({ keys, aggregateType: 'Customer', personalData: customerPersonalData });

const setup = () => {
  const store = keyStore();
  const keys = new SubjectDataKeys({
    wrapper,
    store,
    cache: new DataKeyCache({ maxEntries: 10, maxAgeMs: 60_000 }),
  });
  return { keys, keyItems: store.items, codec: customerCodec(keys) };
};

const envelope = (
  version: number,
  eventType: string,
  payload: unknown,
  schemaVersion = 2,
): EventEnvelope => ({
  eventId: `e-${version}`,
  aggregateType: 'Customer',
  aggregateId: 'c-1',
  eventType,
  payload,
  timestamp: '2026-12-01T00:00:00.000Z',
  version,
  metadata: { correlationId: 'corr', schemaVersion },
});

const stream = [
  envelope(1, 'CustomerRegistered', { email: 'ada@example.com', name: 'Ada Lovelace' }),
  envelope(2, 'CustomerSuspended', { reasonCode: 'FRAUD', note: 'called +44 20' }, 3),
  envelope(3, 'CustomerReactivated', {}, 1),
];

describe('PiiCodec of the Customer', () => {
  it('encrypts exactly the PII fields and keeps type, ids, version, reasonCode and metadata', async () => {
    const { codec } = setup();
    const encoded = await codec.encode('c-1', stream);
    const json = JSON.stringify(encoded);
    for (const secret of ['ada@example.com', 'Lovelace', '+44 20'])
      expect(json).not.toContain(secret);
    expect(encoded[1]?.payload).toMatchObject({
      reasonCode: 'FRAUD',
      note: { $enc: expect.any(String) },
    });
    expect(encoded.map(({ payload: _, ...rest }) => rest)).toEqual(
      stream.map(({ payload: _, ...rest }) => rest),
    );
    expect(encoded[2]).toBe(stream[2]);
    expect(await codec.decode('c-1', encoded)).toEqual(stream);
  });

  it('needs no key for events without PII, and passes plaintext of before through', async () => {
    const { codec, keyItems } = setup();
    expect(await codec.encode('c-1', [stream[2] as EventEnvelope])).toEqual([stream[2]]);
    expect(keyItems.size).toBe(0);
    const legacy = [envelope(1, 'CustomerSuspended', { reason: 'plain' }, 1)];
    expect(await codec.decode('c-1', legacy)).toBe(legacy);
  });

  it('reads a forgotten customer’s PII as the marker, and never makes them a new key', async () => {
    const { codec, keys, keyItems } = setup();
    const encoded = await codec.encode('c-1', stream);
    await keys.forget('c-1');
    const decoded = await codec.decode('c-1', encoded);
    expect(decoded.map((e) => e.payload)).toEqual([
      { email: '[forgotten]', name: '[forgotten]' },
      { reasonCode: 'FRAUD', note: '[forgotten]' },
      {},
    ]);
    expect(keyItems.size).toBe(0);
  });

  it('encrypts a snapshot’s whole state; a forgotten one cannot be read back', async () => {
    const { codec, keys } = setup();
    const snapshot = {
      version: 50,
      schemaVersion: 2,
      state: { status: 'ACTIVE', email: 'ada@example.com', name: 'Ada' },
      takenAt: 't',
    };
    const encoded = await codec.encodeSnapshot('c-1', snapshot);
    expect(JSON.stringify(encoded)).not.toContain('ada@example.com');
    expect(await codec.decodeSnapshot('c-1', encoded)).toEqual(snapshot);
    await keys.forget('c-1');
    expect(await codec.decodeSnapshot('c-1', encoded)).toBeUndefined();
  });

  it('leaves a snapshot without personal data as it is, and makes no key for it', async () => {
    const { codec, keyItems } = setup();
    const forgotten = {
      version: 51,
      schemaVersion: 2,
      state: { status: 'FORGOTTEN' },
      takenAt: 't',
    };
    expect(await codec.encodeSnapshot('c-9', forgotten)).toBe(forgotten);
    expect(keyItems.size).toBe(0);
  });
});

describe('keys for a new stream', () => {
  it('makes the key without reading first, and a key stored meanwhile still wins', async () => {
    let reads = 0;
    const store = keyStore();
    const counted: SubjectKeyStore = {
      ...store,
      get: async (id) => {
        reads++;
        return store.get(id);
      },
    };
    const fresh = () =>
      new SubjectDataKeys({
        wrapper,
        store: counted,
        cache: new DataKeyCache({ maxEntries: 10, maxAgeMs: 60_000 }),
      });
    const first = await fresh().createForNewStream('c-1');
    expect(reads).toBe(0);
    expect(store.items.size).toBe(1);
    // A racing writer of the same new stream converges on the key stored first.
    const second = await fresh().createForNewStream('c-1');
    expect(Buffer.from(second)).toEqual(Buffer.from(first));
    expect(Buffer.from(await fresh().get('c-1'))).toEqual(Buffer.from(first));
  });

  it('is what the encoded store uses for a stream’s first append', async () => {
    const { codec } = setup();
    const encoded = await codec.encode('c-1', stream.slice(0, 1), { newStream: true });
    expect(await codec.decode('c-1', encoded)).toEqual(stream.slice(0, 1));
  });
});

describe('EncodedEventStore', () => {
  const secret = randomBytes(32);
  const build = () => {
    const inner = new InMemoryEventStore();
    const { codec, keys } = setup();
    const claims = new HashedEmailClaims(new HmacEmailClaimHasher({ secret: async () => secret }));
    return { inner, keys, store: new EncodedEventStore({ inner, codec, claims }) };
  };

  it('stores ciphertext and hashed claims, and reads plaintext back', async () => {
    const { inner, store } = build();
    await store.append('c-1', stream.slice(0, 1), {
      expectedVersion: 0,
      claims: [{ scope: 'email', value: 'ada@example.com' }],
    });
    expect(JSON.stringify(await inner.readStream('c-1'))).not.toContain('ada@example.com');
    expect(await store.readStream('c-1')).toEqual(stream.slice(0, 1));
    expect((await store.load('c-1')).events).toEqual(stream.slice(0, 1));
    // The same email for another customer: refused, and reported as the email, not a hash.
    const refused = await store
      .append(
        'c-2',
        [{ ...envelope(1, 'CustomerRegistered', { email: 'x', name: 'y' }), aggregateId: 'c-2' }],
        {
          expectedVersion: 0,
          claims: [{ scope: 'email', value: 'ada@example.com' }],
        },
      )
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UniquenessError);
    expect(refused).toMatchObject({ scope: 'email', value: 'ada@example.com' });
    expect(await inner.readStream('c-2')).toEqual([]);
  });

  it('honours a plaintext claim of before, held by another customer', async () => {
    const { inner, store } = build();
    // Written before claims were hashed.
    await inner.append(
      'old',
      [
        {
          ...envelope(1, 'CustomerRegistered', { email: 'b@example.com', name: 'B' }, 1),
          aggregateId: 'old',
        },
      ],
      {
        expectedVersion: 0,
        claims: [{ scope: 'email', value: 'b@example.com' }],
      },
    );
    const refused = await store
      .append(
        'c-3',
        [
          {
            ...envelope(1, 'CustomerRegistered', { email: 'B@example.com', name: 'C' }),
            aggregateId: 'c-3',
          },
        ],
        {
          expectedVersion: 0,
          claims: [{ scope: 'email', value: 'b@example.com' }],
        },
      )
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ scope: 'email', value: 'b@example.com' });
    // Its owner releasing it frees both forms.
    await store.append(
      'old',
      [{ ...envelope(2, 'CustomerForgotten', {}, 1), aggregateId: 'old' }],
      {
        expectedVersion: 1,
        releases: [{ scope: 'email', value: 'b@example.com' }],
      },
    );
    await store.append(
      'c-3',
      [
        {
          ...envelope(1, 'CustomerRegistered', { email: 'b@example.com', name: 'C' }),
          aggregateId: 'c-3',
        },
      ],
      {
        expectedVersion: 0,
        claims: [{ scope: 'email', value: 'b@example.com' }],
      },
    );
    expect(await store.readStream('c-3')).toHaveLength(1);
  });

  it('loads the whole stream when the snapshot can no longer be read', async () => {
    const { store, keys } = build();
    await store.append('c-1', stream, { expectedVersion: 0 });
    await store.saveSnapshot('c-1', {
      version: 3,
      schemaVersion: 2,
      state: { email: 'a@b.c' },
      takenAt: 't',
    });
    expect((await store.load('c-1', { snapshotSchemaVersion: 2 })).snapshot?.state).toEqual({
      email: 'a@b.c',
    });
    await keys.forget('c-1');
    const loaded = await store.load('c-1', { snapshotSchemaVersion: 2 });
    expect(loaded.snapshot).toBeUndefined();
    expect(loaded.events.map((e) => e.version)).toEqual([1, 2, 3]);
    expect(loaded.version).toBe(3);
  });
});

describe('HashedEmailClaims', () => {
  const claimsSecret = randomBytes(32);
  const hasher = new HmacEmailClaimHasher({ secret: async () => claimsSecret });

  it('keys claims by the HMAC, checking and releasing the plaintext form of before too', async () => {
    const stored = await new HashedEmailClaims(hasher).encode(
      [{ scope: 'email', value: 'new@example.com' }],
      [{ scope: 'email', value: 'old@example.com' }],
    );
    expect(stored.claims).toEqual([
      { scope: 'email-hmac', value: await hasher.hash('new@example.com') },
    ]);
    expect(stored.checks).toEqual([{ scope: 'email', value: 'new@example.com' }]);
    expect(stored.releases).toEqual([
      { scope: 'email-hmac', value: await hasher.hash('old@example.com') },
      { scope: 'email', value: 'old@example.com' },
    ]);
    expect(JSON.stringify([stored.claims, stored.releases[0]])).not.toContain('example.com');
    expect(stored.plainOf(stored.claims[0] as { scope: string; value: string })).toEqual({
      scope: 'email',
      value: 'new@example.com',
    });
  });

  it('with the plaintext claims of before gone, writes only hashed ones', async () => {
    const stored = await new HashedEmailClaims(hasher, { legacyClaims: false }).encode(
      [{ scope: 'email', value: 'new@example.com' }],
      [{ scope: 'email', value: 'old@example.com' }],
    );
    expect(stored.checks).toEqual([]);
    expect(stored.releases.map((r) => r.scope)).toEqual(['email-hmac']);
  });
});

describe('erasing plaintext PII of before', () => {
  const { fields } = customerPersonalData;

  it('replaces every plaintext PII field (v1 reason included) by the marker, and only those', () => {
    expect(erasePlaintextPii({ email: 'a@b.c', name: 'A', plan: 'gold' }, fields)).toEqual({
      email: '[forgotten]',
      name: '[forgotten]',
      plan: 'gold',
    });
    expect(erasePlaintextPii({ reason: 'free text' }, fields)).toEqual({ reason: '[forgotten]' });
    expect(erasePlaintextPii({ reasonCode: 'FRAUD' }, fields)).toBeUndefined();
    expect(erasePlaintextPii({ note: '[forgotten]' }, fields)).toBeUndefined();
    expect(erasePlaintextPii({ email: { $enc: 'v1:x' } }, fields)).toBeUndefined();
  });
});

describe('a stream that records its erasure', () => {
  /** Two processes on one event store and one key store, each with its own key cache. */
  const twoProcesses = () => {
    const inner = new InMemoryEventStore();
    const shared = keyStore();
    const process = () => {
      const cache = new DataKeyCache({ maxEntries: 10, maxAgeMs: 60_000 });
      const keys = new SubjectDataKeys({ wrapper, store: shared, cache });
      const store = new EncodedEventStore({
        inner,
        codec: customerCodec(keys),
        erasureEventTypes: ['CustomerForgotten'],
      });
      return { cache, keys, store };
    };
    return { inner, first: process(), second: process() };
  };
  const forgotten = envelope(4, 'CustomerForgotten', {}, 1);

  it('reads as markers at once in a process whose cache still holds the key, and drops it', async () => {
    const { first, second } = twoProcesses();
    await first.store.append('c-1', stream, { expectedVersion: 0 });
    expect(await first.store.readStream('c-1')).toEqual(stream);
    expect(first.cache.get('c-1')).toBeDefined();

    await second.store.append('c-1', [forgotten], { expectedVersion: 3 });
    await second.keys.forget('c-1');

    const events = await first.store.readStream('c-1');
    expect(events.map((e) => e.payload)).toEqual([
      { email: '[forgotten]', name: '[forgotten]' },
      { reasonCode: 'FRAUD', note: '[forgotten]' },
      {},
      {},
    ]);
    expect(first.cache.get('c-1')).toBeUndefined();
  });

  it('decides on what was read, not on the key: erased even while the key is still stored', async () => {
    const { inner, first } = twoProcesses();
    await first.store.append('c-1', stream, { expectedVersion: 0 });
    // Before encryption: a plaintext event in the same stream.
    await inner.append('c-2', [{ ...stream[0], aggregateId: 'c-2' } as EventEnvelope], {
      expectedVersion: 0,
    });
    await inner.append('c-1', [forgotten], { expectedVersion: 3 });
    await inner.append(
      'c-2',
      [{ ...envelope(2, 'CustomerForgotten', {}, 1), aggregateId: 'c-2' }],
      { expectedVersion: 1 },
    );
    const payloads = async (id: string) => (await first.store.readStream(id)).map((e) => e.payload);
    expect((await payloads('c-1'))[0]).toEqual({ email: '[forgotten]', name: '[forgotten]' });
    expect((await payloads('c-2'))[0]).toEqual({ email: '[forgotten]', name: '[forgotten]' });
    // A read that does not reach the erasure event decrypts as before.
    await first.keys.get('c-1');
    expect((await first.store.readStream('c-1', { toVersion: 1 }))[0]?.payload).toEqual(
      stream[0]?.payload,
    );
  });

  it('never decrypts a snapshot taken before the erasure, but folds the stream of markers', async () => {
    const { first, second } = twoProcesses();
    await first.store.append('c-1', stream, { expectedVersion: 0 });
    await first.store.saveSnapshot('c-1', {
      version: 3,
      schemaVersion: 2,
      state: { status: 'ACTIVE', email: 'ada@example.com', name: 'Ada Lovelace' },
      takenAt: 't',
    });
    expect((await first.store.load('c-1', { snapshotSchemaVersion: 2 })).snapshot).toBeDefined();
    await second.store.append('c-1', [forgotten], { expectedVersion: 3 });

    const loaded = await first.store.load('c-1', { snapshotSchemaVersion: 2 });
    expect(loaded.snapshot).toBeUndefined();
    expect(loaded.version).toBe(4);
    expect(JSON.stringify(loaded.events)).not.toMatch(/Ada|ada@|\+44/);
    expect(loaded.events.map((e) => e.eventType)).toEqual([
      'CustomerRegistered',
      'CustomerSuspended',
      'CustomerReactivated',
      'CustomerForgotten',
    ]);
    expect(first.cache.get('c-1')).toBeUndefined();
  });
});

describe('PiiCodec of streams of several types', () => {
  const orderData = { fields: ['address'], erasureEventTypes: ['OrderErased'] };
  const orderEnvelope = (payload: unknown): EventEnvelope => ({
    ...envelope(1, 'OrderPlaced', payload),
    aggregateType: 'Order',
  });

  it("keys another type's stream by type and id, apart from a customer of the same id", async () => {
    const { keys, keyItems, codec } = setup();
    const orders = new PiiCodec({ keys, aggregateType: 'Order', personalData: orderData });
    const placed = orderEnvelope({ address: '1 Analytical Row', total: 12 });
    const encoded = await orders.encode('c-1', [placed], { newStream: true });
    expect(encoded[0]?.payload).toMatchObject({ address: { $enc: expect.any(String) }, total: 12 });
    expect([...keyItems.keys()]).toEqual(['Order#c-1']);
    expect(await orders.decode('c-1', encoded)).toEqual([placed]);

    await codec.encode('c-1', stream.slice(0, 1));
    expect([...keyItems.keys()].sort()).toEqual(['Order#c-1', 'c-1']);
    // The value is bound to its subject: read as the customer's, it does not decrypt.
    await expect(
      codec.decode(
        'c-1',
        encoded.map((e) => ({
          ...e,
          payload: { email: (e.payload as { address: unknown }).address },
        })),
      ),
    ).rejects.toThrow(/subject c-1/);
    // Forgetting the order leaves the customer of the same id readable.
    await keys.forget(subjectOf('Order', 'c-1'));
    expect((await orders.decode('c-1', encoded))[0]?.payload).toEqual({
      address: '[forgotten]',
      total: 12,
    });
    expect(keyItems.has('c-1')).toBe(true);
  });

  it('reads a Customer field encrypted before streams had types, under the bare id', async () => {
    const { keys, codec } = setup();
    const key = await keys.getOrCreate('c-7');
    // As stored today: bound to the customer id alone.
    const sealed = encryptField(key, 'ada@example.com', { subjectId: 'c-7', field: 'email' });
    const stored = [
      { ...envelope(1, 'CustomerRegistered', { email: sealed, name: 'Ada' }), aggregateId: 'c-7' },
    ];
    const [read] = await codec.decode('c-7', stored);
    expect(read?.payload).toEqual({ email: 'ada@example.com', name: 'Ada' });
  });
});
