import { describe, expect, it, vi } from 'vitest';
import { PowertoolsTracerAdapter } from './powertools-tracer.js';

const traced = () => {
  const adapter = new PowertoolsTracerAdapter({ serviceName: 'customer-service' });
  const tracer = adapter.powertools;
  const subsegment = { close: vi.fn() };
  const segment = { addNewSubsegment: vi.fn(() => subsegment) };
  const active: unknown[] = [];
  vi.spyOn(tracer, 'isTracingEnabled').mockReturnValue(true);
  vi.spyOn(tracer, 'getSegment').mockReturnValue(segment as never);
  vi.spyOn(tracer, 'setSegment').mockImplementation((s) => void active.push(s));
  const coldStart = vi.spyOn(tracer, 'annotateColdStart').mockImplementation(() => {});
  vi.spyOn(tracer, 'addServiceNameAnnotation').mockImplementation(() => {});
  const response = vi.spyOn(tracer, 'addResponseAsMetadata');
  const error = vi.spyOn(tracer, 'addErrorAsMetadata');
  return { adapter, segment, subsegment, active, coldStart, response, error };
};

describe('PowertoolsTracerAdapter.traceInvocation', () => {
  it('runs the invocation in its own subsegment, annotated, and restores the facade segment', async () => {
    const t = traced();
    expect(await t.adapter.traceInvocation('projector', async () => 'done')).toBe('done');
    expect(t.segment.addNewSubsegment).toHaveBeenCalledWith('## projector');
    expect(t.active).toEqual([t.subsegment, t.segment]);
    expect(t.subsegment.close).toHaveBeenCalledTimes(1);
    expect(t.coldStart).toHaveBeenCalledTimes(1);
  });

  it('closes the subsegment on a failure, attaching neither the error nor a response', async () => {
    const t = traced();
    await expect(
      t.adapter.traceInvocation('commands', async () => {
        throw new Error('email ada@example.com already claimed');
      }),
    ).rejects.toThrow('already claimed');
    expect(t.subsegment.close).toHaveBeenCalledTimes(1);
    expect(t.active.at(-1)).toBe(t.segment);
    expect(t.error).not.toHaveBeenCalled();
    expect(t.response).not.toHaveBeenCalled();
  });

  it('outside Lambda (tracing off) just runs the invocation', async () => {
    const adapter = new PowertoolsTracerAdapter({ serviceName: 'customer-service' });
    expect(adapter.powertools.isTracingEnabled()).toBe(false);
    expect(await adapter.traceInvocation('x', async () => 42)).toBe(42);
  });
});
