import type { VersionedView } from '../../core/projection.js';
import { ViewConflictError, type ViewStore } from '../../core/view-store.js';

const copy = <T>(value: T): T => structuredClone(value);

/** Views in process memory, with the same conditional writes as the DynamoDB store. */
export class InMemoryViewStore<View extends VersionedView> implements ViewStore<View> {
  private readonly views = new Map<string, View>();

  async get(id: string): Promise<View | undefined> {
    const view = this.views.get(id);
    return view && copy(view);
  }

  async put(id: string, view: View, readVersion: number): Promise<void> {
    const stored = this.views.get(id)?.version ?? 0;
    if (stored !== readVersion) throw new ViewConflictError(id, readVersion);
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
