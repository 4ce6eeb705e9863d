import { isDeepStrictEqual } from 'node:util';
import type { VersionedView } from '../../core/projection.js';
import {
  type RepairableViewStore,
  type StoredView,
  ViewConflictError,
} from '../../core/view-store.js';

const copy = <T>(value: T): T => structuredClone(value);

/** Views in process memory, with the same conditional writes as the DynamoDB store. */
export class InMemoryViewStore<View extends VersionedView> implements RepairableViewStore<View> {
  /** Views are kept as they are: no index attributes beside them. */
  readonly storesIndexKeys = false;
  private readonly views = new Map<string, View>();

  async get(id: string): Promise<View | undefined> {
    const view = this.views.get(id);
    return view && copy(view);
  }

  async getMany(ids: readonly string[]): Promise<Map<string, View>> {
    const found = new Map<string, View>();
    for (const id of ids) {
      const view = this.views.get(id);
      if (view) found.set(id, copy(view));
    }
    return found;
  }

  async put(id: string, view: View, readVersion: number): Promise<void> {
    const stored = this.views.get(id)?.version ?? 0;
    if (stored !== readVersion) throw new ViewConflictError(id, readVersion);
    this.views.set(id, copy(view));
  }

  async getStored(id: string): Promise<StoredView | undefined> {
    const view = this.views.get(id);
    if (!view) return undefined;
    const item = { ...copy(view) } as Record<string, unknown>;
    return { item, stored: copy(item) };
  }

  async replace(id: string, view: View, read: StoredView | undefined): Promise<void> {
    const current = this.views.get(id);
    const unchanged = read ? isDeepStrictEqual({ ...current }, read.stored) : current === undefined;
    if (!unchanged) throw new ViewConflictError(id, current?.version ?? 0);
    this.views.set(id, copy(view));
  }

  /** Every stored view by id, for tests and rebuild comparisons. */
  all(): Map<string, View> {
    return copy(this.views);
  }

  delete(id: string): void {
    this.views.delete(id);
  }

  clear(): void {
    this.views.clear();
  }
}
