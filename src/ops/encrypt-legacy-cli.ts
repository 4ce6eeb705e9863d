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
import { heldClaimsOf } from '../app/held-claims.js';
import type { Service } from '../composition/service.js';
import type { Env } from '../local/local-endpoints.js';
import { runAsScript } from '../local/run-as-script.js';
import { type CliIo, consoleIo, EXIT_FINDINGS, EXIT_OK, errorMessage } from './cli-io.js';
import { runOpsTool } from './ops-session.js';
import { progressBar } from './progress-bar.js';

/** Every registered stream type, as the pass reads and rewrites it. */
export const legacyStreamTypes = (service: Service): ReadonlyMap<string, LegacyStreamType> =>
  new Map(
    service.aggregates.map((module) => {
      const streams = service.aggregate(module.type);
      return [
        module.type,
        {
          ...(module.personalData ? { personalData: module.personalData } : {}),
          stored: streams.storedEvents,
          decoded: streams.events,
          eraser: streams.streamEraser,
          heldClaims: heldClaimsOf(module),
        },
      ];
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
