// Charts with plotly.js (served from the plotly Python package, see core/staticfinders.py): every
// <div data-md-chart="ID"> is drawn from the JSON in <script type="application/json" id="ID">
// (Django's json_script; no inline script under the CSP). The spec:
//   {kind: "bar"|"hbar"|"line"|"pie"|"heatmap"|"step", title, x: [...], series: [{name, y: [...],
//    axis: 2, unit, mode: "line"}], unit: "원"|"건"|"%"|..., unit2, stack: bool, z: [[...]], y: [...]}
// Hover shows the exact value, the legend toggles a series, drag zooms (double click resets).
(function () {
  'use strict';
  var ko = {
    moduleType: 'locale', name: 'ko',
    dictionary: {
      'Zoom': '확대', 'Pan': '이동', 'Reset axes': '축 초기화', 'Autoscale': '자동 맞춤',
      'Zoom in': '확대', 'Zoom out': '축소', 'Download plot as a png': 'PNG로 저장',
      'Box Select': '영역 선택', 'Lasso Select': '올가미 선택', 'Toggle Spike Lines': '보조선 표시',
      'Show closest data on hover': '가까운 값 보기', 'Compare data on hover': '값 비교',
      'Double-click to zoom back out': '두 번 클릭하면 원래 크기로', 'Reset view': '보기 초기화'
    },
    format: {
      days: ['일요일', '월요일', '화요일', '수요일', '목요일', '금요일', '토요일'],
      shortDays: ['일', '월', '화', '수', '목', '금', '토'],
      months: ['1월', '2월', '3월', '4월', '5월', '6월', '7월', '8월', '9월', '10월', '11월', '12월'],
      shortMonths: ['1월', '2월', '3월', '4월', '5월', '6월', '7월', '8월', '9월', '10월', '11월', '12월'],
      date: '%Y-%m-%d', decimal: '.', thousands: ','
    }
  };
  var COLORS = ['#0d6efd', '#20c997', '#fd7e14', '#6f42c1', '#dc3545', '#198754', '#0dcaf0', '#6c757d'];

  function hover(unit) {
    if (unit === '%') return '%{fullData.name}: %{y:.1%}<extra></extra>';
    if (unit === '원') return '%{fullData.name}: %{y:,.0f}원<extra></extra>';
    return '%{fullData.name}: %{y:,}' + (unit || '') + '<extra></extra>';
  }

  function traces(spec) {
    var kind = spec.kind;
    if (kind === 'heatmap') {
      return [{type: 'heatmap', x: spec.x, y: spec.y, z: spec.z, colorscale: 'Blues', reversescale: true, hoverongaps: false,
        hovertemplate: '%{y} %{x}시: %{z:,}' + (spec.unit || '') + '<extra></extra>'}];
    }
    if (kind === 'pie') {
      var s = spec.series[0] || {y: []};
      return [{type: 'pie', labels: spec.x, values: s.y, hole: 0.45, sort: false, textinfo: 'label+percent',
        hovertemplate: '%{label}: %{value:,}' + (spec.unit || '') + ' (%{percent})<extra></extra>'}];
    }
    return spec.series.map(function (s, i) {
      var unit = s.unit || spec.unit;
      var t = {name: s.name, marker: {color: COLORS[i % COLORS.length]}};
      var line = kind === 'line' || kind === 'step' || s.mode === 'line';
      if (kind === 'hbar') {
        t.type = 'bar'; t.orientation = 'h'; t.x = s.y; t.y = spec.x;
        t.hovertemplate = hover(unit).replace(/%\{y/g, '%{x');
        return t;
      }
      t.x = spec.x; t.y = s.y;
      t.type = line ? 'scatter' : 'bar';
      if (line) { t.mode = spec.x.length > 60 ? 'lines' : 'lines+markers'; t.connectgaps = false; }
      if (kind === 'step') t.line = {shape: 'hv'};
      if (s.axis === 2) t.yaxis = 'y2';
      t.hovertemplate = hover(unit);
      return t;
    });
  }

  function axisFormat(unit) {
    if (unit === '%') return {tickformat: '.0%'};
    return {tickformat: ',d', ticksuffix: unit === '원' ? '원' : ''};
  }

  function layout(spec) {
    var l = {
      margin: {l: 70, r: spec.series.some(function (s) { return s.axis === 2; }) ? 70 : 20, t: 10, b: 40},
      height: spec.kind === 'heatmap' ? 320 : (spec.kind === 'hbar' ? Math.max(260, 26 * spec.x.length + 60) : 300),
      separators: '.,', hovermode: spec.kind === 'pie' || spec.kind === 'heatmap' ? 'closest' : 'x unified',
      legend: {orientation: 'h', y: -0.18}, showlegend: spec.kind !== 'heatmap', barmode: spec.stack ? 'stack' : 'group',
      font: {family: 'system-ui, -apple-system, "Apple SD Gothic Neo", "Malgun Gothic", "Noto Sans KR", sans-serif', size: 12},
      xaxis: {automargin: true}, yaxis: Object.assign({automargin: true, rangemode: 'tozero'}, axisFormat(spec.unit))
    };
    if (spec.kind === 'hbar') {
      l.xaxis = Object.assign({automargin: true}, axisFormat(spec.unit));
      l.yaxis = {automargin: true, autorange: 'reversed'};
      l.hovermode = 'closest';
    }
    if (spec.kind === 'heatmap') { l.yaxis = {automargin: true, autorange: 'reversed'}; l.xaxis = {title: {text: '시 (KST)'}}; }
    if (spec.series.some(function (s) { return s.axis === 2; })) {
      l.yaxis2 = Object.assign({overlaying: 'y', side: 'right', rangemode: 'tozero', showgrid: false}, axisFormat(spec.unit2));
    }
    if (spec.kind === 'step') l.xaxis.type = 'date';
    return l;
  }

  function draw(el) {
    var source = document.getElementById(el.getAttribute('data-md-chart'));
    if (!source || !window.Plotly) return;
    var spec = JSON.parse(source.textContent);
    window.Plotly.newPlot(el, traces(spec), layout(spec), {
      responsive: true, displaylogo: false,
      locale: (document.documentElement.lang || 'ko').indexOf('en') === 0 ? 'en' : 'ko',  // the page's language
      modeBarButtonsToRemove: ['select2d', 'lasso2d']
    }).then(function () { el.setAttribute('data-md-drawn', '1'); });
  }

  function init() {
    if (window.Plotly && window.Plotly.register) window.Plotly.register(ko);
    document.querySelectorAll('[data-md-chart]').forEach(draw);
    // typing a date in the period picker means a custom period
    document.querySelectorAll('select[data-md-period]').forEach(function (select) {
      var form = select.form;
      if (!form) return;
      form.querySelectorAll('input[type=date]').forEach(function (input) {
        input.addEventListener('change', function () { select.value = 'custom'; });
      });
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
