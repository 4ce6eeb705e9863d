/**
 * `npm run encrypt-legacy [-- --concurrency N]`: encrypts in place every stream written
 * before encryption, of every type that declares personal data, and replaces its plaintext
 * claims, with a progress bar. Streams of a type no module is registered for are counted by
 * type and fail the run. Resumable:
 * run it again after an interruption, and streams already done are only read. Finds the
 * local stack `npm start` runs, unless AWS settings are given (see `ops-target.ts`); needs
 * KMS_KEY_ID (the local stack's endpoints file gives it).
 */
import { parseArgs } from 'node:util';
import {
  encryptLegacyStreams,
  type LegacyStreamType,
} from '../adapters/crypto/legacy-encryption.js';
import { writeHashedClaimsOnlyMarker } from '../adapters/dynamodb/hashed-claims-marker.js';
import type { RegisteredAggregate } from '../composition/aggregate-module.js';
import type { Service } from '../composition/service.js';
import type { EventEnvelope } from '../core/event.js';
import type { UniqueClaim } from '../core/event-store.js';
import type { Env } from '../local/local-endpoints.js';
import { runAsScript } from '../local/run-as-script.js';
import { type CliIo, consoleIo, EXIT_FINDINGS, EXIT_OK, errorMessage } from './cli-io.js';
import { runOpsTool } from './ops-session.js';
import { progressBar } from './progress-bar.js';

/**
 * The unique values a stream holds now, folded as the command side takes and gives them up
 * (the module's uniqueness rule, event by event); none for a module without one.
 */
const heldClaimsOf =
  (module: RegisteredAggregate) =>
  (events: EventEnvelope[]): UniqueClaim[] => {
    const { decider, upcaster, uniqueness } = module;
    if (!uniqueness) return [];
    const held = new Map<string, UniqueClaim>();
    let state = decider.initialState();
    for (const envelope of events) {
      const event = upcaster.toEvent(envelope);
      const { claims, releases } = uniqueness(state, [event]);
      for (const claim of releases) held.delete(`${claim.scope}#${claim.value}`);
      for (const claim of claims) held.set(`${claim.scope}#${claim.value}`, claim);
      state = decider.evolve(state, event);
    }
    return [...held.values()];
  };

/** Every registered stream type, by `aggregateType`, as the pass reads and rewrites it. */
export const legacyStreamTypes = (service: Service): ReadonlyMap<string, LegacyStreamType> =>
  new Map(
    service.aggregates.map((module) => {
      const parts = service.aggregate(module.type);
      const type: LegacyStreamType = {
        ...(module.personalData ? { personalData: module.personalData } : {}),
        stored: parts.storedEvents,
        decoded: parts.events,
        eraser: parts.eraser,
        heldClaims: heldClaimsOf(module),
      };
      return [module.type, type];
    }),
  );

export const runEncryptLegacyCli = async (
  argv: string[],
  env: Env = process.env,
  io: CliIo = consoleIo,
  options: { progress?: boolean } = {},
): Promise<number> =>
  runOpsTool({ env, io, label: 'encrypt-legacy failed' }, async (open) => {
    const { values } = parseArgs({
      args: argv,
      options: { concurrency: { type: 'string' } },
      strict: true,
    });
    const raw = values.concurrency ?? '8';
    const concurrency = Number(raw);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`--concurrency must be a positive whole number, not "${raw}"`);
    }
    const session = open();
    const { service } = session;
    const crypto = service.crypto;
    if (!crypto) throw new Error('KMS_KEY_ID is not set (the key that wraps the data keys)');
    const bar = progressBar(
      'encrypt-legacy [{bar}] {value} streams | {encrypted} encrypted | {failed} failed',
      options.progress,
    );
    bar?.start(0, 0, { encrypted: 0, failed: 0 });
    const report = await encryptLegacyStreams({
      catalog: service.storedEvents,
      types: legacyStreamTypes(service),
      keys: crypto.keys,
      claims: crypto.claims,
      concurrency,
      onProgress: (p) => {
        bar?.setTotal(p.streams);
        bar?.update(p.streams, { encrypted: p.encrypted, failed: p.failed });
      },
    });
    bar?.stop();
    if (report.failed === 0 && report.unregistered === 0) {
      // No plaintext claim is left: from their next start, functions stop checking for one.
      await writeHashedClaimsOnlyMarker(
        session.dynamodb,
        service.config.COMMAND_TABLE,
        'encrypt-legacy',
      );
      io.out('marked the event store as holding hashed email claims only');
    }
    io.out(
      `${report.streams} streams: ${report.encrypted} encrypted (${report.eventsRewritten} events), ${report.alreadyEncrypted} already encrypted, ${report.forgotten} forgotten, ${report.withoutPersonalData} without personal data, ${report.unregistered} of unregistered types, ${report.failed} failed`,
    );
    if (report.unregistered > 0) {
      const types = Object.entries(report.unregisteredTypes)
        .sort(([a], [b]) => a.localeCompare(b, 'en'))
        .map(([type, streams]) => `${type} (${streams})`)
        .join(', ');
      io.err(`${report.unregistered} streams of types no module is registered for: ${types}`);
    }
    for (const { aggregateType, aggregateId, error } of report.failures.slice(0, 20)) {
      io.err(`  ${aggregateType} ${aggregateId}: ${errorMessage(error)}`);
    }
    return report.failed > 0 || report.unregistered > 0 ? EXIT_FINDINGS : EXIT_OK;
  });

runAsScript(import.meta.url, () => runEncryptLegacyCli(process.argv.slice(2)));
