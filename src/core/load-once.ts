/**
 * `load`, run at the first call and its answer shared by every later one; a failure is not
 * remembered, so the next call tries again (a secret read once per process, say).
 */
export const loadOnce = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let loading: Promise<T> | undefined;
  return () => {
    if (!loading) {
      const started = load();
      loading = started;
      started.catch(() => {
        if (loading === started) loading = undefined;
      });
    }
    return loading;
  };
};
