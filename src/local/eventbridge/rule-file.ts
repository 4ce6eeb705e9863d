import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { EventBridgeRule, RuleCatalog } from './catalog.js';

const targetSchema = z.object({
  id: z.string(),
  arn: z.string(),
  queueUrl: z.string().optional(),
  retryPolicy: z.object({
    maximumRetryAttempts: z.number().int(),
    maximumEventAgeInSeconds: z.number().int(),
  }),
  deadLetterArn: z.string().optional(),
});

const ruleFileSchema = z.object({
  version: z.literal(1),
  rules: z.array(
    z.object({
      name: z.string(),
      eventBusName: z.string(),
      eventPattern: z.record(z.string(), z.unknown()),
      state: z.enum(['ENABLED', 'DISABLED']),
      description: z.string().optional(),
      targets: z.array(targetSchema),
    }),
  ),
});

/** A rules file that exists but cannot be read as one: refused rather than overwritten. */
export class UnreadableRuleFileError extends Error {
  constructor(path: string, options?: { cause?: unknown }) {
    super(
      `The EventBridge rules file ${path} is not readable; move it away to start afresh.`,
      options,
    );
    this.name = 'UnreadableRuleFileError';
  }
}

/**
 * The rules created or changed through the API, kept in a JSON file so they outlive a
 * restart. Rules given in code are not saved: they come from code at every start, and win
 * over a saved rule of the same name. Writes are whole-file and renamed into place, one at a
 * time, so a crash leaves the old file or the new one.
 */
export class RuleFile {
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** The saved rules, or none when there is no file yet. */
  async read(): Promise<EventBridgeRule[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new UnreadableRuleFileError(this.path, { cause: error });
    }
    try {
      return ruleFileSchema.parse(JSON.parse(text)).rules;
    } catch (error) {
      throw new UnreadableRuleFileError(this.path, { cause: error });
    }
  }

  /** Saves the catalog's API-made rules; resolves once they are on disk. */
  save(catalog: RuleCatalog): Promise<void> {
    const content: z.infer<typeof ruleFileSchema> = {
      version: 1,
      rules: catalog
        .allRules()
        .filter((rule) => !rule.fromCode)
        .map((rule) => ({
          name: rule.name,
          eventBusName: rule.busName,
          eventPattern: { ...rule.pattern.pattern },
          state: rule.state,
          ...(rule.description === undefined ? {} : { description: rule.description }),
          targets: rule.targets,
        })),
    };
    const write = this.writing.catch(() => {}).then(() => this.write(content));
    this.writing = write;
    return write;
  }

  private async write(content: z.infer<typeof ruleFileSchema>): Promise<void> {
    const temporary = `${this.path}.${process.pid}.tmp`;
    await mkdir(dirname(this.path), { recursive: true });
    await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`);
    await rename(temporary, this.path);
  }
}
