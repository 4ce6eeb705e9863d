import { h } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { PipelineHealth } from './api.js';

interface ChartProps {
  label: string;
  unit: string;
  /** Mark each value: for a series known only at some seconds. */
  points?: boolean;
  /** Seconds (x) and values (y), oldest first. */
  data: [number[], (number | null)[]];
}

/** One uPlot line chart that follows its container's width. */
const LineChart = (props: ChartProps) => {
  const frame = useRef<HTMLElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const element = box.current;
    const outer = frame.current;
    if (!element || !outer) return;
    // The figure's width comes from the layout; the plot's own canvas must not set it.
    const width = () => Math.max(outer.clientWidth, 160);
    plot.current = new uPlot(
      {
        width: width(),
        height: 160,
        legend: { show: false },
        scales: { x: { time: true }, y: { range: (_u, min, max) => [0, Math.max(max, min + 1)] } },
        axes: [{}, { label: props.unit, size: 60 }],
        // Points as well as lines: a lag is known only in the seconds a view was written.
        series: [
          {},
          {
            label: props.label,
            stroke: '#1f5fbf',
            width: 2,
            spanGaps: false,
            points: { show: props.points ?? false, size: 5, fill: '#1f5fbf' },
          },
        ],
      },
      props.data,
      element,
    );
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: width(), height: 160 }));
    resize.observe(outer);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(props.data);
  }, [props.data]);

  const values = props.data[1].filter((v): v is number => v !== null);
  const latest = values.at(-1);
  return h(
    'figure',
    { class: 'chart', ref: frame },
    h(
      'figcaption',
      null,
      props.label,
      latest === undefined ? '' : ` — latest ${latest.toFixed(1)} ${props.unit}`,
    ),
    h('div', { ref: box, role: 'img', 'aria-label': `${props.label}, last minutes` }),
  );
};

/** Commands per second and projection lag over the last minutes. */
export const LiveCharts = (props: { health: PipelineHealth | undefined }) => {
  const points = props.health?.activity.points ?? [];
  const interval = props.health?.activity.intervalSeconds ?? 1;
  const x = points.map((p) => p.at / 1000);
  return h(
    'div',
    { class: 'charts' },
    h(LineChart, {
      label: 'Commands per second',
      unit: '/s',
      data: [x, points.map((p) => p.commands / interval)],
    }),
    h(LineChart, {
      label: 'Projection lag (command answered → view written)',
      unit: 'ms',
      points: true,
      data: [x, points.map((p) => p.projectionLagMs ?? null)],
    }),
  );
};
