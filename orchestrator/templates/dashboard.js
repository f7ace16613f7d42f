// The dashboard's behaviour. It reads the summary nbench computed (embedded as JSON) and only
// selects and lays it out: no metric arithmetic here. Every string from rows reaches the page
// through textContent (never parsed as HTML), and reaches Plotly, which understands a few HTML-like
// tags, entity-escaped by `plotText`.
(function () {
  'use strict';
  var status = document.getElementById('nbench-status');
  var data = JSON.parse(document.getElementById('nbench-data').textContent);
  var S = data.summary;
  var config = { responsive: true, displaylogo: false };

  // Plotly renders <b>, <a href> … inside labels; entities make row text show as typed.
  function plotText(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function fillTable(table, heads, rows) {
    table.replaceChildren();
    var tr = el('tr');
    heads.forEach(function (h) { tr.appendChild(el('th', h)); });
    table.appendChild(tr);
    rows.forEach(function (r) {
      var row = el('tr');
      r.forEach(function (c) {
        row.appendChild(el('td', c === null || c === undefined ? '-' : c, c === 'fail' ? 'fail' : ''));
      });
      table.appendChild(row);
    });
    if (rows.length === 0) {
      var empty = el('tr');
      var td = el('td', 'none');
      td.colSpan = heads.length;
      empty.appendChild(td);
      table.appendChild(empty);
    }
  }

  // The filter: everything, a family, or one probe.
  var filter = document.getElementById('filter');
  function option(value, text) {
    var o = el('option', text);
    o.value = value;
    filter.appendChild(o);
  }
  option('all', 'all probes');
  S.families.forEach(function (f) { option('family:' + f, 'family ' + f); });
  S.probes.forEach(function (p) { option('probe:' + p.probe, p.probe); });
  function shown(p) {
    var v = filter.value;
    if (v === 'all') return true;
    if (v.indexOf('family:') === 0) return p.family === v.slice(7);
    return p.probe === v.slice(6);
  }

  // Time against size: one plot per probe.
  var timeRoot = document.getElementById('time-plots');
  var sections = [];
  var pending = [];
  S.probes.forEach(function (p, i) {
    var section = el('div', null, 'probe');
    var div = el('div', null, 'plot');
    div.id = 'time-' + i;
    section.appendChild(div);
    timeRoot.appendChild(section);
    sections.push({ probe: p, section: section, div: div });
    var sized = p.points.some(function (pt) { return pt.size !== null; });
    var traces = {};
    var order = [];
    p.points.forEach(function (pt) {
      pt.cells.forEach(function (c) {
        var name = c.lane + (pt.series ? ' ' + pt.series : '');
        if (!traces[name]) {
          traces[name] = { x: [], y: [], lo: [], hi: [], min: [] };
          order.push(name);
        }
        var t = traces[name];
        t.x.push(sized ? pt.size : plotText(pt.label));
        t.y.push(c.time ? c.time.median : null);
        t.lo.push(c.time ? c.time.iqr_below : null);
        t.hi.push(c.time ? c.time.iqr_above : null);
        t.min.push(c.time ? c.time.min : null);
      });
    });
    var plotted = order.map(function (name) {
      var t = traces[name];
      return {
        type: 'scatter', mode: 'lines+markers', name: plotText(name),
        x: t.x, y: t.y, customdata: t.min,
        error_y: { type: 'data', symmetric: false, array: t.hi, arrayminus: t.lo, thickness: 1 },
        hovertemplate: (sized ? 'size %{x}' : '%{x}') +
          '<br>median %{y:.3s}s<br>min %{customdata:.3s}s<extra>%{fullData.name}</extra>'
      };
    });
    var layout = {
      title: { text: plotText(p.probe) + ' <span style="font-size:0.8em">[' + plotText(p.family) + ']</span>' },
      xaxis: { title: { text: sized ? 'size' : 'point' }, type: sized ? 'log' : 'category' },
      yaxis: { title: { text: 'time per call (s)' }, type: 'log', exponentformat: 'SI' },
      margin: { t: 40 }, height: 360
    };
    var measured = plotted.some(function (t) { return t.y.some(function (v) { return v !== null; }); });
    if (!measured) {
      layout.annotations = [{
        text: 'no successful measurement: see failures', showarrow: false,
        xref: 'paper', yref: 'paper', x: 0.5, y: 0.5
      }];
    }
    pending.push(Plotly.newPlot(div, plotted, layout, config));
  });

  function visiblePoints() {
    var out = [];
    S.probes.forEach(function (p) {
      if (!shown(p)) return;
      p.points.forEach(function (pt) { out.push({ probe: p, point: pt }); });
    });
    return out;
  }

  function lanesOf(points) {
    var seen = {};
    var lanes = [];
    points.forEach(function (q) {
      q.probe.lanes.forEach(function (l) { if (!seen[l]) { seen[l] = true; lanes.push(l); } });
    });
    return lanes;
  }

  function heatmap() {
    var points = visiblePoints();
    var lanes = lanesOf(points);
    var y = points.map(function (q) { return plotText(q.probe.probe + ' ' + q.point.label); });
    var z = [];
    var text = [];
    points.forEach(function (q) {
      var zr = [];
      var tr = [];
      lanes.forEach(function (l) {
        var c = q.point.cells.find(function (c) { return c.lane === l; });
        zr.push(c && c.log2_ratio !== null ? c.log2_ratio : null);
        if (!c) tr.push('not measured');
        else if (c.ratio !== null) tr.push(c.ratio.toPrecision(3) + '× ' + plotText(c.ratio_note || ''));
        else tr.push('no ratio: ' + plotText(c.ratio_note || ''));
      });
      z.push(zr);
      text.push(tr);
    });
    var trace = {
      type: 'heatmap', x: lanes.map(plotText), y: y, z: z, text: text,
      colorscale: 'RdBu', zmid: 0, hoverongaps: true,
      colorbar: { title: { text: 'log2 ratio' } },
      hovertemplate: '%{y}<br>%{x}<br>%{text}<extra></extra>'
    };
    var layout = {
      margin: { l: 260, t: 20 }, height: Math.max(320, 24 * y.length + 140),
      yaxis: { type: 'category', automargin: true, autorange: 'reversed' }, xaxis: { type: 'category' }
    };
    return Plotly.react('heatmap', [trace], layout, config);
  }

  function memory() {
    var points = visiblePoints();
    var lanes = lanesOf(points);
    var traces = lanes.map(function (l) {
      var x = [];
      var yv = [];
      points.forEach(function (q) {
        var c = q.point.cells.find(function (c) { return c.lane === l; });
        x.push(plotText(q.probe.probe + ' ' + q.point.label));
        yv.push(c && c.peak_rss !== null ? c.peak_rss : null);
      });
      return { type: 'bar', name: plotText(l), x: x, y: yv, hovertemplate: '%{x}<br>%{y:.3s}B<extra>%{fullData.name}</extra>' };
    });
    var layout = {
      barmode: 'group', margin: { t: 20, b: 160 }, height: 460,
      yaxis: { title: { text: 'peak RSS (bytes)' }, exponentformat: 'SI' }, xaxis: { type: 'category', automargin: true }
    };
    return Plotly.react('memory', traces, layout, config);
  }

  function tables() {
    var fid = [];
    S.probes.forEach(function (p) {
      if (!shown(p)) return;
      p.points.forEach(function (pt) {
        pt.cells.forEach(function (c) {
          var st = Object.keys(c.status_counts).map(function (k) { return k + ' ' + c.status_counts[k]; }).join(', ');
          fid.push([p.probe, pt.label, c.lane, c.fidelity,
            c.worst_rel_to_tol === null ? null : c.worst_rel_to_tol.toPrecision(3), st]);
        });
      });
    });
    fillTable(document.getElementById('fidelity'),
      ['probe', 'point', 'backend', 'fidelity', 'worst rel_to_tol', 'statuses'], fid);
    var failures = S.failures.filter(function (f) {
      return shown({ probe: f.probe, family: f.family });
    }).map(function (f) {
      return [f.probe, f.point, f.lane, f.seed, f.status, f.stage, f.message];
    });
    S.skipped.forEach(function (s) {
      if (shown({ probe: s.probe, family: s.family })) {
        failures.push([s.probe, s.point, s.lane, s.seeds + ' seeds', 'skipped', 'setup', s.message]);
      }
    });
    fillTable(document.getElementById('failures'),
      ['probe', 'point', 'backend', 'seed', 'status', 'stage', 'message'], failures);
  }

  var manifests = document.getElementById('manifests');
  if (data.manifests.length === 0) manifests.appendChild(el('p', 'No manifest was found beside the rows.', 'note'));
  data.manifests.forEach(function (m) {
    // The machine checks `nbench run` made before its first attempt, warnings first.
    if (m.system && m.system.length) {
      var order = { warn: 0, info: 1, unknown: 2, ok: 3 };
      var checks = m.system.slice().sort(function (a, b) {
        return (order[a.status] - order[b.status]) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
      });
      manifests.appendChild(el('h3', 'Machine checks of run ' + (m.run_id || '?')));
      var t = el('table', null, 'checks');
      fillTable(t, ['check', 'status', 'found', 'fix'], checks.map(function (c) {
        return [c.id, c.status, c.found, c.fix];
      }));
      manifests.appendChild(t);
    }
    var d = el('details');
    d.appendChild(el('summary', 'run ' + (m.run_id || '?') + ' on ' + ((m.machine && m.machine.hostname) || '?')));
    d.appendChild(el('pre', JSON.stringify(m, null, 2)));
    manifests.appendChild(d);
  });
  var sources = el('table');
  fillTable(sources, ['run', 'host', 'CPU', 'nbench', 'build', 'git commit', 'dirty', 'rows'],
    S.sources.map(function (s) {
      return [s.run_id, s.hostname, s.cpu_model, s.nbench_version, s.build_profile, s.git_commit, s.git_dirty, s.rows];
    }));
  manifests.insertBefore(sources, manifests.firstChild);

  function refresh() {
    sections.forEach(function (s) {
      var on = shown(s.probe);
      s.section.style.display = on ? '' : 'none';
      if (on) Plotly.Plots.resize(s.div);
    });
    tables();
    return Promise.all([heatmap(), memory()]);
  }
  filter.addEventListener('change', function () {
    refresh().catch(function (e) { window.nbenchErrors.push('refresh: ' + e); });
  });

  // Report whether every plot container holds a rendered plot, and every error seen.
  function check() {
    var plots = document.querySelectorAll('.plot');
    var rendered = 0;
    plots.forEach(function (p) {
      if (p.classList.contains('js-plotly-plot') && p.querySelector('svg.main-svg')) rendered += 1;
    });
    var errors = window.nbenchErrors;
    var ok = rendered === plots.length && errors.length === 0;
    status.dataset.state = ok ? 'ok' : 'fail';
    status.textContent = 'plots ' + rendered + '/' + plots.length + ', errors ' + errors.length +
      (errors.length ? ': ' + errors.join(' | ') : '');
  }
  // `#filter=probe:NAME` or `#filter=family:NAME` opens the page filtered (links, and the
  // browser test of the filter).
  function fromHash() {
    var m = /^#filter=(.*)$/.exec(window.location.hash);
    if (!m) return Promise.resolve();
    var want = decodeURIComponent(m[1]);
    var known = Array.prototype.some.call(filter.options, function (o) { return o.value === want; });
    if (!known) return Promise.resolve();
    filter.value = want;
    return refresh();
  }
  tables();
  pending.push(heatmap(), memory());
  Promise.all(pending).then(fromHash).then(check, function (e) {
    window.nbenchErrors.push('plot failed: ' + e);
    check();
  });
})();
