// modules/home/charts.js — the part of ECharts the dashboard uses (bars,
// the map, grid/tooltip/legend/visualMap, canvas), imported piece by
// piece so the chunk carries nothing else, and the colours and number
// formats its charts share. Only the dashboard's lazy chunk imports it.
import * as echarts from 'echarts/core';
import { BarChart, MapChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, LegendComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, MapChart, GridComponent, TooltipComponent, LegendComponent, VisualMapComponent, CanvasRenderer]);

export { echarts };

export const COLORS = {
  residents: '#2f6fde', households: '#52c41a', male: '#4a7fe0', female: '#e86a8c',
  tags: ['#f08a24', '#8e6fd8', '#e5484d', '#13a8a8', '#d4a017', '#5b8ff9', '#7a8b99', '#3ba272', '#c23f84', '#9a6b3f', '#2d9cdb'],
};

// The map's colour ramps, light to dark, one per figure.
export const RAMPS = {
  residents: ['#e6efff', '#9dbdf5', '#4f86e8', '#1d4fb8'],
  elderly: ['#fff2e0', '#ffc27a', '#f08a24', '#b35400'],
  dibao_households: ['#ffe9e9', '#f7a1a1', '#e5484d', '#a61b20'],
};

export const fmt = (n) => (n === null || n === undefined ? '—' : Number(n).toLocaleString('zh-CN'));

// A tooltip line "● 名称：值" in the series colour (text only: the
// formatter's output is HTML, so names are escaped).
export function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
