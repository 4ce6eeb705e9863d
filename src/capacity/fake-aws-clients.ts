import { randomBytes, randomUUID } from 'node:crypto';
import type { PutEventsCommand, PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import {
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import type { PutEventsClient } from '../adapters/eventbridge/eventbridge-publisher.js';

const MAGIC = Buffer.from('capacity-replay:');

/**
 * KMS as the replay needs it: answers each call as KMS would in shape (a plaintext key and a
 * blob that carries it) and counts the calls by operation. No cryptographic protection: the
 * replay only counts.
 */
export class CountingKms {
  readonly calls: Record<string, number> = {};
  onCall?: (operation: string) => void;

  asClient(): KMSClient {
    return this as unknown as KMSClient;
  }

  async send(command: unknown): Promise<unknown> {
    const operation = (command as object).constructor.name.replace(/Command$/, '');
    this.calls[operation] = (this.calls[operation] ?? 0) + 1;
    this.onCall?.(operation);
    if (command instanceof GenerateDataKeyCommand) {
      const plaintext = randomBytes(command.input.NumberOfBytes ?? 32);
      return { Plaintext: plaintext, CiphertextBlob: Buffer.concat([MAGIC, plaintext]) };
    }
    if (command instanceof EncryptCommand) {
      return { CiphertextBlob: Buffer.concat([MAGIC, Buffer.from(command.input.Plaintext ?? [])]) };
    }
    if (command instanceof DecryptCommand) {
      const blob = Buffer.from(command.input.CiphertextBlob ?? []);
      return { Plaintext: new Uint8Array(blob.subarray(MAGIC.length)) };
    }
    throw new TypeError(`Not replayed: KMS ${operation}`);
  }
}

/** EventBridge's PutEvents, accepting every entry and handing them to `onEntries`. */
export class RecordingEventBridge implements PutEventsClient {
  onEntries?: (entries: NonNullable<PutEventsCommand['input']['Entries']>) => void;

  async send(command: PutEventsCommand): Promise<PutEventsCommandOutput> {
    const entries = command.input.Entries ?? [];
    this.onEntries?.(entries);
    return {
      FailedEntryCount: 0,
      Entries: entries.map(() => ({ EventId: randomUUID() })),
      $metadata: {},
    };
  }
}
