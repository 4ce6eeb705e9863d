import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { describeError, getJson, type PipelineHealth } from './api.js';
import { formatMs, formatTime } from './format.js';
import { LiveCharts } from './live-charts.js';

const POLL_MS = 2000;

/** Polls `/ops/health` while the page is open. */
export const usePipelineHealth = () => {
  const [health, setHealth] = useState<PipelineHealth | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const reading = await getJson<PipelineHealth>('/ops/health');
        if (stopped) return;
        setHealth(reading);
        setError(undefined);
      } catch (failure) {
        if (!stopped) setError(describeError(failure));
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  return { health, error };
};

const Figure = (props: { label: string; value: string; warn?: boolean; href?: string }) =>
  h(
    'div',
    { class: props.warn ? 'figure warn' : 'figure' },
    h('dt', null, props.label),
    h('dd', null, props.href ? h('a', { href: props.href }, props.value) : props.value),
  );

/** Stream position and lag, queue depths, and the two live charts. */
export const HealthPanel = () => {
  const { health, error } = usePipelineHealth();
  const dlq = health?.deadLetterQueue;
  const dlqDepth = dlq ? dlq.visible + dlq.inFlight : undefined;
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'health-title' },
    h('h2', { id: 'health-title' }, 'Pipeline health'),
    error ? h('p', { class: 'error', role: 'alert' }, `Health unavailable: ${error}`) : null,
    h(
      'dl',
      { class: 'figures' },
      h(Figure, {
        label: 'Stream position',
        value: health?.stream.lastSequenceNumber ?? (health ? 'nothing published yet' : '…'),
      }),
      h(Figure, {
        label: 'Stream lag (iterator age)',
        value: formatMs(health?.stream.iteratorAgeMs),
      }),
      h(Figure, { label: 'Last published', value: formatTime(health?.stream.lastPublishedAt) }),
      h(Figure, {
        label: 'Projection queue',
        value: health
          ? `${health.projectionQueue.visible} waiting, ${health.projectionQueue.inFlight} in flight`
          : '…',
      }),
      h(Figure, {
        label: 'Dead-letter queue',
        value: dlqDepth === undefined ? '…' : `${dlqDepth} message${dlqDepth === 1 ? '' : 's'}`,
        warn: (dlqDepth ?? 0) > 0,
        href: '/console/dlq',
      }),
    ),
    h(LiveCharts, { health }),
    health
      ? h('p', { class: 'muted' }, `From ${health.source} counters, read ${formatTime(health.at)}`)
      : null,
  );
};
