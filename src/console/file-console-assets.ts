import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ConsoleAsset,
  type ConsoleAssets,
  contentTypeOf,
} from '../app/http/console-assets.js';

const NAME = /^[a-z0-9-]+\.(js|css)$/;

/** The bundle as files in a folder: on Lambda, shipped beside the handler. Read once each. */
export class FileConsoleAssets implements ConsoleAssets {
  private readonly cache = new Map<string, Promise<ConsoleAsset | undefined>>();

  constructor(private readonly folder: string) {}

  get(name: string): Promise<ConsoleAsset | undefined> {
    if (!NAME.test(name)) return Promise.resolve(undefined);
    let asset = this.cache.get(name);
    if (!asset) {
      asset = readFile(join(this.folder, name), 'utf8').then(
        (body) => ({ body, contentType: contentTypeOf(name) }),
        () => undefined,
      );
      this.cache.set(name, asset);
    }
    return asset;
  }
}
