import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { KEY_SPECS, KEY_STATES, type KeyRingState } from './key-ring.js';

/**
 * `<dataDir>/kms/keys.json`: the master keys (with their states, rotation, tags and policy)
 * and aliases, so ciphertext written before a restart still decrypts after it. Readable by its owner only (0600, folder 0700): it holds
 * key material in plaintext, which is acceptable for a developer's machine and nowhere else.
 */
const keyFileSchema = z.object({
  version: z.literal(1),
  keys: z.array(
    z.object({
      keyId: z.uuid(),
      keySpec: z.enum(KEY_SPECS),
      description: z.string(),
      creationDate: z.iso.datetime(),
      material: z.base64(),
      // Absent in files written before key states existed: those keys were all enabled.
      keyState: z.enum(KEY_STATES).default('Enabled'),
      deletionDate: z.iso.datetime().optional(),
      pendingWindowInDays: z.int().min(7).max(30).optional(),
      rotation: z
        .object({ periodInDays: z.int().min(90).max(2560), since: z.iso.datetime() })
        .optional(),
      tags: z.array(z.object({ TagKey: z.string(), TagValue: z.string() })).default([]),
      policy: z.string().optional(),
    }),
  ),
  aliases: z.array(
    z.object({
      aliasName: z.string().startsWith('alias/'),
      targetKeyId: z.uuid(),
      creationDate: z.iso.datetime(),
    }),
  ),
});

export class KeyFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeyFileError';
  }
}

/** The saved state, or `undefined` on first start. A damaged file is an error, never reset. */
export const loadKeyFile = async (path: string): Promise<KeyRingState | undefined> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KeyFileError(`Cannot read the KMS key file ${path}`, { cause: error });
  }
  let parsed: z.infer<typeof keyFileSchema>;
  try {
    parsed = keyFileSchema.parse(JSON.parse(text));
  } catch (error) {
    // Starting over would make every stored ciphertext undecryptable: refuse instead.
    throw new KeyFileError(
      `The KMS key file ${path} is damaged; restore it or remove it knowingly`,
      { cause: error },
    );
  }
  return {
    keys: parsed.keys.map((key) => ({ ...key, material: Buffer.from(key.material, 'base64') })),
    aliases: parsed.aliases,
  };
};

/** Writes a temporary file and renames it over the old one, so a crash leaves one or the other. */
export const saveKeyFile = async (path: string, state: KeyRingState): Promise<void> => {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const content: z.input<typeof keyFileSchema> = {
    version: 1,
    keys: state.keys.map((key) => ({ ...key, material: key.material.toString('base64') })),
    aliases: state.aliases,
  };
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  // `mode` applies only when the file is created; a leftover temporary file keeps its own.
  await chmod(temporary, 0o600);
  await rename(temporary, path);
};
