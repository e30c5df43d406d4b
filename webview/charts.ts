/**
 * The three live charts (loss, weights, gradient norms). Data lives in History, decimated to about one point
 * per pixel (LiveMinMax), so a 100 000-step run costs the same to draw as a 1 000-step one. While steps
 * stream in, only the buckets they touch are decimated again, and a chart is redrawn only when that changes
 * what it shows: each redraw rasters the whole canvas, the biggest cost of a frame.
 */
import {
  Chart,
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  LogarithmicScale,
  Tooltip,
  type ChartDataset,
  type Plugin,
} from 'chart.js';
import type { RunInfo } from '../src/protocol';
import type { WhatIf } from '../src/experiment/records';
import { LiveMinMax, type Point } from './decimate';
import type { Column, History, SeriesRef } from './history';
import { el } from './el';
import { fmt } from './numberFormat';
import { readChartColors, type ChartColors } from './theme';

// No Legend plugin: the legend is HTML (see renderLegend).
Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip);

type LineDataset = ChartDataset<'line', Point[]>;
type LineChart = Chart<'line', Point[]>;

/** At most this many weight entries get a line; a big layer would otherwise be a solid band. */
const MAX_WEIGHT_LINES = 12;

type Which = 'loss' | 'weights' | 'grads';
const CHARTS: readonly Which[] = ['loss', 'weights', 'grads'];

interface SeriesView {
  live: LiveMinMax;
  label: string;
  ref?: SeriesRef;
}

/** What a chart would draw now. */
interface ChartView {
  series: SeriesView[];
  log: boolean;
  run: RunInfo | undefined;
  whatIf: WhatIf | undefined;
  xMin: number;
  xMax: number;
}

export interface ChartsOptions {
  /** The user clicked a chart at `step`. */
  onPickStep(step: number): void;
}

export class ChartsView {
  private readonly loss: LineChart;
  private readonly weights: LineChart;
  private readonly grads: LineChart;
  private readonly charts: Record<Which, LineChart>;
  private colors: ChartColors = readChartColors();
  private markerStep = 0;
  logLoss = true;
  logGrads = true;

  constructor(
    canvases: { loss: HTMLCanvasElement; weights: HTMLCanvasElement; grads: HTMLCanvasElement },
    private readonly legends: { loss: HTMLElement; weights: HTMLElement; grads: HTMLElement },
    private readonly opts: ChartsOptions,
  ) {
    const family = getComputedStyle(document.body).getPropertyValue('--vscode-font-family').trim();
    if (family) Chart.defaults.font.family = family;
    Chart.defaults.font.size = 11;
    const marker: Plugin<'line'> = {
      id: 'gdStepMarker',
      afterDatasetsDraw: (chart) => {
        const x = chart.scales.x;
        if (!this.markerStep || !x || this.markerStep < x.min || this.markerStep > x.max) return;
        const px = x.getPixelForValue(this.markerStep);
        const { top, bottom } = chart.chartArea;
        const ctx = chart.ctx;
        ctx.save();
        ctx.strokeStyle = this.colors.muted;
        ctx.globalAlpha = 0.7;
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.moveTo(px, top);
        ctx.lineTo(px, bottom);
        ctx.stroke();
        ctx.restore();
      },
    };
    this.loss = this.make(canvases.loss, marker, 'loss');
    this.weights = this.make(canvases.weights, marker, 'value');
    this.grads = this.make(canvases.grads, marker, '‖grad‖');
    this.charts = { loss: this.loss, weights: this.weights, grads: this.grads };
  }

  private make(canvas: HTMLCanvasElement, marker: Plugin<'line'>, yTitle: string): LineChart {
    const chart: LineChart = new Chart<'line', Point[]>(canvas, {
      type: 'line',
      data: { datasets: [] },
      plugins: [marker],
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        responsive: true,
        maintainAspectRatio: false,
        spanGaps: false,
        events: ['mousemove', 'mouseout', 'click'],
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        elements: { point: { radius: 0, hitRadius: 4 }, line: { borderWidth: 1.5, tension: 0 } },
        scales: {
          // No ticks at the bounds: the axis ends where the last decimation bucket would (LiveMinMax.axisEnd),
          // a step number that means nothing to the reader.
          x: { type: 'linear', title: { display: false, text: 'step' }, ticks: { precision: 0, maxTicksLimit: 6, includeBounds: false } },
          y: { type: 'linear', grace: '4%', title: { display: false, text: yTitle }, ticks: { maxTicksLimit: 6, callback: (v) => fmt(Number(v), 3) } },
        },
        plugins: {
          // The legend is HTML under the chart (renderLegend): built once per set of series instead of
          // measured on every redraw, and readable text for screen readers and tests.
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => (items.length ? `step ${items[0].parsed.x}` : ''),
              label: (item) => `${item.dataset.label}: ${fmt(item.parsed.y, 6)}`,
            },
          },
        },
        onClick: (_e, _els, c) => {
          const ev = _e;
          if (ev.x === null || ev.x === undefined) return;
          const step = Math.round(c.scales.x.getValueForPixel(ev.x) ?? 0);
          if (step > 0) this.opts.onPickStep(step);
        },
      },
    });
    return chart;
  }

  /** Re-reads the theme colours; the next update() applies them. */
  retheme(): void {
    this.colors = readChartColors();
    // Chart.js options are resolver proxies: assign leaf values, never spread them (that recurses).
    for (const c of [this.loss, this.weights, this.grads]) {
      const o = c.options;
      for (const axis of ['x', 'y'] as const) {
        const s = o.scales?.[axis];
        if (!s) continue;
        if (s.ticks) s.ticks.color = this.colors.muted;
        if (s.grid) s.grid.color = this.colors.grid;
        if (s.border) s.border.color = this.colors.grid;
      }
    }
  }

  setMarker(step: number): void {
    if (step === this.markerStep) return;
    this.markerStep = step;
    for (const c of [this.loss, this.weights, this.grads]) c.draw();
  }

  /** Redraws per chart since the page loaded (for the tests and the benchmark). */
  readonly draws: Record<Which, number> = { loss: 0, weights: 0, grads: 0 };
  /** Charts with new steps, to redraw if the change shows. */
  private pending = new Set<Which>();
  /** Charts to redraw whatever the data (a theme, scale, run or what-if change). */
  private forced = new Set<Which>();
  private next = 0;
  /** Decimated points per history column (a column is drawn in one chart). */
  private readonly live = new WeakMap<Column, LiveMinMax>();
  /** What each chart shows now: its x range and, per data series, the points it was given. */
  private readonly shown: Record<Which, { xMin: number; xMax: number; series: { live: LiveMinMax; points: Point[] }[] }> = {
    loss: { xMin: NaN, xMax: NaN, series: [] },
    weights: { xMin: NaN, xMax: NaN, series: [] },
    grads: { xMin: NaN, xMax: NaN, series: [] },
  };

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /**
   * Marks every chart for an update. `force`: redraw even if the points did not change (a theme, scale, run or
   * what-if change); otherwise a chart is redrawn only when its new steps change what it shows by half a pixel.
   */
  invalidate(force: boolean): void {
    for (const w of CHARTS) {
      this.pending.add(w);
      if (force) this.forced.add(w);
    }
  }

  /**
   * Brings pending charts up to date from `history`, round-robin, redrawing at most `maxDraws` of them (the
   * canvas raster of each redraw lands in the frame's commit); returns how many it redrew. `hasPending` then
   * says whether some still wait. Checking a chart costs a few dozen points: only the buckets that new steps
   * touched are decimated again.
   */
  update(history: History, run: RunInfo | undefined, whatIf: WhatIf | undefined, maxDraws = Infinity): number {
    let draws = 0;
    for (let k = 0; k < 3 && this.pending.size; k++) {
      const which = CHARTS[(this.next + k) % 3];
      if (!this.pending.has(which)) continue;
      const view = this.prepare(which, history, run, whatIf);
      if (!this.forced.has(which) && !this.shows(which, view)) {
        this.pending.delete(which);
        continue;
      }
      if (draws >= maxDraws) {
        this.next = (this.next + k) % 3;
        return draws;
      }
      this.pending.delete(which);
      this.forced.delete(which);
      this.draw(which, view);
      draws++;
    }
    return draws;
  }

  /** The chart's series with their decimated points, brought up to date, and its x range. */
  private prepare(which: Which, history: History, run: RunInfo | undefined, whatIf: WhatIf | undefined): ChartView {
    const chart = this.charts[which];
    const n = history.length;
    const xs = history.steps.data;
    // From the canvas width, not the plot area: that changes with the tick labels, and the buckets must not.
    const buckets = Math.max(64, Math.floor(chart.width / 2));
    const log = which === 'loss' ? this.logLoss : which === 'grads' ? this.logGrads : false;
    const series: SeriesView[] = [];
    const add = (column: Column, label: string, ref?: SeriesRef) => {
      let live = this.live.get(column);
      if (!live) this.live.set(column, (live = new LiveMinMax()));
      const from = column.sync(n);
      live.update(xs, column.data, n, from, buckets, log, column.index);
      series.push({ live, label, ref });
    };
    if (which === 'loss') add(history.loss, 'loss');
    else if (which === 'weights') for (const ref of history.valueSeries.slice(0, MAX_WEIGHT_LINES)) add(history.values.get(ref.key)!, ref.label, ref);
    else for (const ref of history.gradSeries) add(history.gradNorms.get(ref.key)!, `‖∇ ${ref.label}‖`, ref);
    const first = history.firstStep || 1;
    let end = 0;
    for (const s of series) end = Math.max(end, s.live.axisEnd(xs));
    const whatIfEnd = whatIf?.losses.length ? whatIf.losses[whatIf.losses.length - 1][0] : 0;
    return { series, log, run, whatIf, xMin: first, xMax: Math.max(end, history.lastStep, whatIfEnd, first + 1) };
  }

  /** Whether drawing `view` would change what the chart shows by at least half a pixel. */
  private shows(which: Which, view: ChartView): boolean {
    const shown = this.shown[which];
    if (view.xMin !== shown.xMin || view.xMax !== shown.xMax || view.series.length !== shown.series.length) return true;
    const chart = this.charts[which];
    const sx = chart.scales.x;
    const sy = chart.scales.y;
    if (!sx || !sy) return true;
    const moved = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? Number.isNaN(a) !== Number.isNaN(b) : Math.abs(a - b) >= 0.5);
    for (let i = 0; i < view.series.length; i++) {
      const { live } = view.series[i];
      const before = shown.series[i];
      if (before.live !== live || before.points.length !== live.points.length) return true;
      for (let k = live.unchanged; k < live.points.length; k++) {
        const p = live.points[k];
        const q = before.points[k];
        if (p === q) continue;
        if (moved(sx.getPixelForValue(p.x), sx.getPixelForValue(q.x)) || moved(sy.getPixelForValue(p.y), sy.getPixelForValue(q.y))) return true;
      }
    }
    return false;
  }

  private draw(which: Which, view: ChartView): void {
    const c = this.colors;
    const { xMin: first, xMax: last, run, whatIf } = view;
    const sets: LineDataset[] = [];
    view.series.forEach((s, k) => {
      const col = which === 'loss' ? c.loss : c.series[k % c.series.length];
      sets.push({ label: s.label, data: s.live.points, borderColor: col, backgroundColor: col });
      if (which !== 'weights') return;
      // Weights, with their true values as dashed lines of the same colour
      const ref = s.ref;
      const t = ref?.param !== undefined && ref.index !== undefined ? run?.trueValues?.[ref.param]?.[ref.index] : undefined;
      if (t !== undefined && Number.isFinite(t))
        sets.push({ label: `true ${s.label} = ${fmt(t)}`, data: [{ x: first, y: t }, { x: last, y: t }], borderColor: col, backgroundColor: col, borderDash: [6, 4], borderWidth: 1.5, order: -1 });
    });
    if (which === 'loss') {
      if (run?.targetVar !== undefined && Number.isFinite(run.targetVar)) {
        sets.push({
          label: `Var(y) = ${fmt(run.targetVar)}`,
          data: [{ x: first, y: run.targetVar }, { x: last, y: run.targetVar }],
          borderColor: c.plateau,
          backgroundColor: c.plateau,
          borderDash: [6, 4],
          borderWidth: 1.5,
          order: -1, // drawn over the noisy loss line, which would hide it exactly where it matters
        });
      }
      if (whatIf) {
        sets.push({
          label: `what if: ${whatIf.fix}`,
          data: whatIf.losses.map(([x, y]) => ({ x, y: y === null || (this.logLoss && y <= 0) ? NaN : y })),
          borderColor: c.whatIf,
          backgroundColor: c.whatIf,
          borderDash: [2, 2],
        });
      }
    }
    this.setData(this.charts[which], sets, first, last, view.log);
    this.draws[which]++;
    for (const s of view.series) s.live.markDrawn();
    this.shown[which] = { xMin: first, xMax: last, series: view.series.map((s) => ({ live: s.live, points: s.live.points })) };
  }

  private setData(chart: LineChart, sets: LineDataset[], min: number, max: number, log: boolean): void {
    // Keep the dataset objects when only their points changed: Chart.js then reuses its resolved options.
    const cur = chart.data.datasets;
    const same = cur.length === sets.length && cur.every((d, i) => d.label === sets[i].label && d.borderColor === sets[i].borderColor);
    if (same) sets.forEach((s, i) => (cur[i].data = s.data));
    else {
      chart.data.datasets = sets;
      this.renderLegend(chart === this.loss ? this.legends.loss : chart === this.weights ? this.legends.weights : this.legends.grads, sets);
    }
    const x = chart.options.scales!.x!;
    x.min = min;
    x.max = max;
    const y = chart.options.scales!.y!;
    const type = log ? 'logarithmic' : 'linear';
    if (y.type !== type) (y as { type: string }).type = type;
    chart.canvas.dataset.yScale = type;
    chart.update('none');
  }

  private renderLegend(root: HTMLElement, sets: LineDataset[]): void {
    root.replaceChildren(
      ...sets.map((d) => {
        const swatch = el('span', { class: d.borderDash ? 'swatch dashed' : 'swatch', 'aria-hidden': 'true' });
        // CSSOM, not a style attribute: allowed by the CSP without 'unsafe-inline'.
        swatch.style.borderTopColor = String(d.borderColor);
        return el('span', { class: 'legend-item' }, swatch, d.label ?? '');
      }),
    );
  }

  /** Number of drawn points per chart, for tests and the benchmark. */
  pointCounts(): { loss: number; weights: number; grads: number } {
    const count = (c: LineChart) => c.data.datasets.reduce((s, d) => s + d.data.length, 0);
    return { loss: count(this.loss), weights: count(this.weights), grads: count(this.grads) };
  }
}
