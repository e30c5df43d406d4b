/**
 * The three live charts (loss, weights, gradient norms). Data lives in History; each redraw decimates it to
 * about one point per pixel, so a 100 000-step run costs the same to draw as a 1 000-step one.
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
import { decimateMinMax, type Point } from './decimate';
import type { History } from './history';
import { el } from './el';
import { fmt } from './numberFormat';
import { readChartColors, type ChartColors } from './theme';

// No Legend plugin: the legend is HTML (see renderLegend).
Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip);

type LineDataset = ChartDataset<'line', Point[]>;
type LineChart = Chart<'line', Point[]>;

/** At most this many weight entries get a line; a big layer would otherwise be a solid band. */
const MAX_WEIGHT_LINES = 12;

export interface ChartsOptions {
  /** The user clicked a chart at `step`. */
  onPickStep(step: number): void;
}

export class ChartsView {
  private readonly loss: LineChart;
  private readonly weights: LineChart;
  private readonly grads: LineChart;
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
          x: { type: 'linear', title: { display: false, text: 'step' }, ticks: { precision: 0, maxTicksLimit: 6 } },
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

  /** Charts whose data changed and are not redrawn yet. */
  private pending = new Set<'loss' | 'weights' | 'grads'>();
  private next = 0;

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** Marks every chart for redraw (new steps, a theme or scale change). */
  invalidate(): void {
    this.pending.add('loss').add('weights').add('grads');
  }

  /**
   * Redraws pending charts from `history`, round-robin, until `budgetMs` is spent; returns true when some are
   * still pending (the caller asks for another frame). At 30 posts a second with a 100 000-step history one
   * chart can take several ms, and three at once could miss a frame.
   */
  update(history: History, run: RunInfo | undefined, whatIf: WhatIf | undefined, budgetMs = Infinity): boolean {
    const t0 = performance.now();
    const order = ['loss', 'weights', 'grads'] as const;
    for (let k = 0; k < 3 && this.pending.size; k++) {
      const which = order[(this.next + k) % 3];
      if (!this.pending.has(which)) continue;
      this.pending.delete(which);
      this.draw(which, history, run, whatIf);
      if (performance.now() - t0 >= budgetMs) {
        this.next = (this.next + k + 1) % 3;
        break;
      }
    }
    return this.pending.size > 0;
  }

  private draw(which: 'loss' | 'weights' | 'grads', history: History, run: RunInfo | undefined, whatIf: WhatIf | undefined): void {
    const c = this.colors;
    const n = history.length;
    const xs = history.steps.data;
    const first = history.firstStep || 1;
    const last = Math.max(history.lastStep, whatIf?.losses.length ? whatIf.losses[whatIf.losses.length - 1][0] : 0, first + 1);
    const buckets = (chart: LineChart) => Math.max(64, Math.floor((chart.chartArea?.width ?? chart.width) / 2));

    if (which === 'loss') {
      const lossSets: LineDataset[] = [
        { label: 'loss', data: decimateMinMax(xs, history.loss.data, n, buckets(this.loss), this.logLoss, history.loss.index(n)), borderColor: c.loss, backgroundColor: c.loss },
      ];
      if (run?.targetVar !== undefined && Number.isFinite(run.targetVar)) {
        lossSets.push({
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
        lossSets.push({
          label: `what if: ${whatIf.fix}`,
          data: whatIf.losses.map(([x, y]) => ({ x, y: y === null || (this.logLoss && y <= 0) ? NaN : y })),
          borderColor: c.whatIf,
          backgroundColor: c.whatIf,
          borderDash: [2, 2],
        });
      }
      this.setData(this.loss, lossSets, first, last, this.logLoss);
    } else if (which === 'weights') {
      // Weights, with their true values as dashed lines of the same colour
      const wSets: LineDataset[] = [];
      history.valueSeries.slice(0, MAX_WEIGHT_LINES).forEach((ref, k) => {
        const col = c.series[k % c.series.length];
        const column = history.values.get(ref.key)!;
        wSets.push({ label: ref.label, data: decimateMinMax(xs, column.data, n, buckets(this.weights), false, column.index(n)), borderColor: col, backgroundColor: col });
        const t = ref.param !== undefined && ref.index !== undefined ? run?.trueValues?.[ref.param]?.[ref.index] : undefined;
        if (t !== undefined && Number.isFinite(t))
          wSets.push({ label: `true ${ref.label} = ${fmt(t)}`, data: [{ x: first, y: t }, { x: last, y: t }], borderColor: col, backgroundColor: col, borderDash: [6, 4], borderWidth: 1.5, order: -1 });
      });
      this.setData(this.weights, wSets, first, last, false);
    } else {
      const gSets: LineDataset[] = history.gradSeries.map((ref, k) => {
        const col = c.series[k % c.series.length];
        const g = history.gradNorms.get(ref.key)!;
        return { label: `‖∇ ${ref.label}‖`, data: decimateMinMax(xs, g.data, n, buckets(this.grads), this.logGrads, g.index(n)), borderColor: col, backgroundColor: col };
      });
      this.setData(this.grads, gSets, first, last, this.logGrads);
    }
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
