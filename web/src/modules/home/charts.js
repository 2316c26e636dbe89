// modules/home/charts.js — the part of ECharts the dashboard uses (bars,
// the map, grid/tooltip/legend/continuous visualMap, canvas), imported piece by
// piece so the chunk carries nothing else, and the colours and the
// tooltips its charts share. Only the dashboard's lazy chunk imports it.
import * as echarts from 'echarts/core';
import { BarChart, MapChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, LegendComponent, VisualMapContinuousComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, MapChart, GridComponent, TooltipComponent, LegendComponent, VisualMapContinuousComponent, CanvasRenderer]);

export { echarts };

export const COLORS = {
  residents: '#2f6fde', households: '#52c41a', male: '#4a7fe0', female: '#e86a8c',
};

// One colour per special group, the same in every chart and for every
// role (a viewer's list lacks the tags it may not see).
const TAG_COLORS = {
  elderly: '#f08a24', disabled: '#8e6fd8', dibao: '#e5484d', tekun: '#13a8a8', left_behind_elder: '#d4a017',
  left_behind_child: '#5b8ff9', released_prisoner: '#7a8b99', veteran: '#3ba272', living_alone: '#c23f84',
  hardship_elder: '#9a6b3f', hardship_child: '#2d9cdb',
};
export const tagColor = (code) => TAG_COLORS[code] || '#909399';

// The map's colour ramps, light to dark, one per figure.
export const RAMPS = {
  residents: ['#e6efff', '#9dbdf5', '#4f86e8', '#1d4fb8'],
  elderly: ['#fff2e0', '#ffc27a', '#f08a24', '#b35400'],
  dibao_households: ['#ffe9e9', '#f7a1a1', '#e5484d', '#a61b20'],
};

// A tooltip as DOM nodes, not an HTML string: names are text, never
// markup, and the CSP (no inline styles in markup) holds; ECharts'
// default tooltips write style attributes, so every chart uses this.
// rows: [{text, color?}] (color: the series marker).
export function tip(title, rows) {
  const box = document.createElement('div');
  const head = document.createElement('div');
  head.textContent = title;
  head.style.fontWeight = '600';
  box.append(head);
  for (const r of rows) {
    const line = document.createElement('div');
    if (r.color) {
      const dot = document.createElement('span');
      Object.assign(dot.style, { display: 'inline-block', width: '9px', height: '9px', borderRadius: '50%', marginRight: '6px', background: r.color });
      line.append(dot);
    }
    line.append(document.createTextNode(r.text));
    box.append(line);
  }
  return box;
}
