/** One built file of the console (script or stylesheet). */
export interface ConsoleAsset {
  body: string;
  contentType: string;
}

/**
 * Where the app finds the console's bundle: built in memory at start locally, read from the
 * files shipped beside the handler on Lambda.
 */
export interface ConsoleAssets {
  get(name: string): Promise<ConsoleAsset | undefined>;
}

export const contentTypeOf = (name: string): string =>
  name.endsWith('.js')
    ? 'text/javascript; charset=utf-8'
    : name.endsWith('.css')
      ? 'text/css; charset=utf-8'
      : 'application/octet-stream';

/** Assets already in memory, by file name. */
export class InMemoryConsoleAssets implements ConsoleAssets {
  constructor(private readonly files: ReadonlyMap<string, string>) {}

  async get(name: string): Promise<ConsoleAsset | undefined> {
    const body = this.files.get(name);
    return body === undefined ? undefined : { body, contentType: contentTypeOf(name) };
  }
}
