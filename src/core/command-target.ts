/**
 * How a module's commands name their stream: each command's data holds the stream's id
 * under `idField`, and may hold the `expectedVersion` its caller read.
 */
export const targetByField =
  <Field extends string>(idField: Field) =>
  (command: {
    data: Record<Field, string> & { expectedVersion?: number };
  }): { aggregateId: string; expectedVersion: number | undefined } => ({
    aggregateId: command.data[idField],
    expectedVersion: command.data.expectedVersion,
  });
