/* lineage view: draws the JSON data island with vis-network, offline.
 * Every data string reaches the page as text: elements are built with createElement and
 * textContent, vis-network gets plain-string titles (shown with innerText), and a source
 * becomes a link only when its URL is http or https. */
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('lineage-data').textContent);
  var meta = data.meta;
  var FONT = 'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", ' +
             '"WenQuanYi Micro Hei", sans-serif';
  var container = document.getElementById('graph');
  var details = document.getElementById('details');
  var DataView = vis.DataView || vis.data.DataView;

  // -- small DOM helpers (text only) ---------------------------------------------------
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  function safeUrl(url) {
    if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) return null;
    try {
      var parsed = new URL(url);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
    } catch (err) {
      return null;
    }
  }
  function dateText(date) {
    if (!date) return '';
    return date.p && date.p !== 'unknown' ? date.v + ' (' + date.p + ')' : date.v;
  }
  function compare(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  // -- data: records from Python, presented here (labels, titles, styles), all as text ----
  var typeLabels = {};
  data.legend.types.forEach(function (t) { typeLabels[t.key] = t.label; });
  function list(value) { return Array.isArray(value) ? value : []; }
  function nodeName(n) {
    if (n.en && n.zh) return n.en + ' (' + n.zh + ')';
    return n.en || n.zh || n.iri;
  }
  function partyName(party) {
    return typeof party === 'number' ? nodeName(data.nodes[party]) : String(party);
  }
  function copyStyle(style) {
    return JSON.parse(JSON.stringify(style || {}));
  }
  var CHANGE_COLOURS = { 'new': '#1a7f37', ended: '#cf222e', unchanged: '#8c959f' };
  var CHANGE_LABELS = meta.diff ? {
    'new': 'new between ' + meta.diff[0] + ' and ' + meta.diff[1],
    ended: 'ended between ' + meta.diff[0] + ' and ' + meta.diff[1],
    unchanged: 'unchanged (or undated)'
  } : {};
  data.nodes.forEach(function (n) {
    n.label = [n.en, n.zh].filter(Boolean).join('\n') || n.iri;
    var when = n.start ? 'from ' + n.start.v : 'undated';
    if (n.end) when += ', ended ' + n.end.v;
    var type = (typeLabels[n.group] || n.group) + ', ' + when;
    n.title = [n.en, n.zh, type].filter(Boolean).join('\n');
    if (n.root) { n.size = 26; n.borderWidth = 4; }
    if (n.ended) { n.opacity = 0.45; n.shapeProperties = { borderDashes: [4, 3] }; }
    if (n.change) {  // a diff view: new, ended or unchanged since the first date
      n.opacity = n.change === 'unchanged' ? 0.35 : 1;
      n.borderWidth = n.change === 'unchanged' ? 1 : 5;
      n.shapeProperties = { borderDashes: n.change === 'ended' ? [5, 3] : false };
      var groupColour = (data.groups[n.group] || {}).color || {};
      n.color = { background: groupColour.background, border: CHANGE_COLOURS[n.change] };
      n.title += '\n' + CHANGE_LABELS[n.change];
    }
  });
  var styleCache = {};
  data.edges.forEach(function (e) {
    var key = e.rel + '|' + e.status;
    if (!styleCache[key]) styleCache[key] = meta.edgeStyles[key] || {};
    var style = styleCache[key];
    e.color = copyStyle(style.color);
    e.width = style.width;
    e.dashes = style.dashes;
    e.arrows = copyStyle(style.arrows);
    if (e.change === 'new') e.width = (e.width || 1) * 2.5;
    if (e.change === 'unchanged') e.color.opacity = 0.35;
    if (e.curve) e.smooth = { enabled: true, type: 'curvedCW', roundness: 0.2 * e.curve };
    var from = partyName(e.from);
    var to = partyName(e.to);
    if (e.event !== undefined) {
      var ev = data.events[e.event];
      var when = ev.date ? ev.date.v : '';
      e.title = ev.type + ', ' + (dateText(ev.date) || 'date not given') + ', status: ' +
                ev.status + (ev.pending ? ' (pending, not approved)' : '') + '\n' + from +
                ' → ' + to;
      if (!meta.large) {
        e.label = [ev.type, when].filter(Boolean).join(' ') +
                  (ev.group === 'settled' ? '' : ' (' + ev.status + ')');
      }
    } else {
      var unit = data.units[e.unit];
      var dates = [unit.from ? 'from ' + unit.from.v : '',
                   unit.until ? 'until ' + unit.until.v : ''].filter(Boolean).join(', ');
      e.title = unit.role + (dates ? ', ' + dates : '') + '\n' + from + ' → ' + to;
    }
  });
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var years = meta.years || [null, null];
  var state = {
    types: new Set(data.legend.types.map(function (t) { return t.key; })),
    statuses: new Set(data.legend.statuses.map(function (s) { return s.key; })),
    from: years[0],
    to: years[1],
    undated: true
  };
  function inYears(year) {
    if (year === null || year === undefined) return true;
    return (state.from === null || year >= state.from) && (state.to === null || year <= state.to);
  }
  // the existence rule: a dated institution is shown while it exists within the years
  // (started by their end, not ended before their start); undated ones are their own group
  function existsInYears(n) {
    if (n.undated) return state.undated;
    var ended = n.endYear !== undefined && state.from !== null && n.endYear < state.from;
    return (state.to === null || n.year <= state.to) && !ended;
  }
  var nodesView = new DataView(nodes, {
    filter: function (n) { return state.types.has(n.group) && existsInYears(n); }
  });
  var edgesView = new DataView(edges, {
    filter: function (e) { return state.statuses.has(e.status) && inYears(e.year); }
  });

  // -- the network -----------------------------------------------------------------------
  var options = {
    groups: data.groups,
    nodes: {
      shape: 'dot', size: 16, borderWidth: 1.5,
      font: { size: 13, face: FONT, color: '#1f2328', strokeWidth: 3, strokeColor: '#ffffff' },
      // wrapping measures each word of each label: 0.4 s at 5,000 nodes, so large views
      // keep each label line whole
      widthConstraint: meta.large ? false : { maximum: 170 }
    },
    edges: {
      font: { size: 11, face: FONT, align: 'horizontal', color: '#333333', strokeWidth: 3,
              strokeColor: '#ffffff' },
      smooth: meta.large ? false : { enabled: true, type: 'continuous', roundness: 0.3 },
      selectionWidth: 2, hoverWidth: 1.5
    },
    physics: meta.physics ? {
      enabled: true, solver: 'forceAtlas2Based',
      forceAtlas2Based: { gravitationalConstant: -80, springLength: 150, avoidOverlap: 0.5 },
      stabilization: { enabled: true, iterations: 400, updateInterval: 25, fit: true }
    } : { enabled: false },
    interaction: {
      hover: true, tooltipDelay: 150, multiselect: false,
      hideEdgesOnDrag: meta.large, hideEdgesOnZoom: meta.large
    },
    layout: { randomSeed: 7, improvedLayout: false }
  };
  var network = new vis.Network(container, { nodes: nodesView, edges: edgesView }, options);

  var api = {
    ready: false,
    readyAt: null,
    network: network,
    nodeCount: function () { return nodes.length; },
    edgeCount: function () { return edges.length; },
    visibleNodeCount: function () { return nodesView.length; },
    nodeIds: function () { return nodes.getIds(); },
    edgeIds: function () { return edges.getIds(); },
    selectedNodes: function () { return network.getSelectedNodes(); },
    domPosition: function (id) { return network.canvasToDOM(network.getPosition(id)); },
    edgeMidpoint: edgeMidpoint,
    selectNode: selectNode,
    showNode: showNode,
    showEdge: showEdge
  };
  window.lineageView = api;

  function markReady() {
    if (api.ready) return;
    api.ready = true;
    api.readyAt = performance.now();
    document.body.setAttribute('data-ready', '1');
  }
  if (meta.physics) {
    network.once('stabilizationIterationsDone', function () {
      network.setOptions({ physics: { enabled: false } });
      markReady();
    });
  } else {
    network.once('afterDrawing', markReady);
    network.fit({ animation: false });
  }

  function edgeMidpoint(id) {
    var edge = network.body.edges[id];
    var point = edge && edge.edgeType && edge.edgeType.getPoint
      ? edge.edgeType.getPoint(0.5)
      : null;
    if (!point) {
      var e = edges.get(id);
      var a = network.getPosition(e.from);
      var b = network.getPosition(e.to);
      point = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    }
    return network.canvasToDOM(point);
  }

  // -- heading ---------------------------------------------------------------------------
  document.getElementById('view-title').textContent = 'lineage: ' + meta.title;
  var bits = [meta.counts.nodes + ' institutions and people', meta.counts.edges + ' relations'];
  if (meta.asOf) bits.push('as of ' + meta.asOf);
  bits.push(meta.layout === 'timeline' ? 'timeline (left to right by year)' : 'force layout');
  if (!meta.physics && meta.layout !== 'timeline') bits.push('positions precomputed, physics off');
  list(meta.notes).forEach(function (note) { bits.push(note); });
  document.getElementById('view-subtitle').textContent = bits.join(' · ');

  // -- legend and filters (built from the same tables that styled nodes and edges) --------
  function swatch(draw) {
    var canvas = document.createElement('canvas');
    var ratio = window.devicePixelRatio || 1;
    canvas.className = 'swatch';
    canvas.width = 30 * ratio;
    canvas.height = 16 * ratio;
    var ctx = canvas.getContext('2d');
    ctx.scale(ratio, ratio);
    draw(ctx);
    return canvas;
  }
  function shapePath(ctx, shape, x, y, r) {
    var i, a;
    ctx.beginPath();
    if (shape === 'square') {
      ctx.rect(x - r, y - r, 2 * r, 2 * r);
    } else if (shape === 'diamond') {
      ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y);
    } else if (shape === 'triangle' || shape === 'triangleDown') {
      var s = shape === 'triangle' ? 1 : -1;
      ctx.moveTo(x, y - s * r); ctx.lineTo(x + r, y + s * r); ctx.lineTo(x - r, y + s * r);
    } else if (shape === 'hexagon') {
      for (i = 0; i < 6; i++) {
        a = Math.PI / 3 * i;
        ctx.lineTo(x + r * Math.cos(a), y + r * Math.sin(a));
      }
    } else if (shape === 'star') {
      for (i = 0; i < 10; i++) {
        a = -Math.PI / 2 + Math.PI / 5 * i;
        var rr = i % 2 ? r * 0.45 : r;
        ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
      }
    } else {
      ctx.arc(x, y, r, 0, 2 * Math.PI);
    }
    ctx.closePath();
  }
  function lineSample(color, width, dashes, membership) {
    return swatch(function (ctx) {
      ctx.strokeStyle = color || '#555555';
      ctx.lineWidth = width;
      ctx.setLineDash(Array.isArray(dashes) ? dashes : []);
      ctx.beginPath(); ctx.moveTo(2, 8); ctx.lineTo(26, 8); ctx.stroke();
      if (membership) {
        ctx.setLineDash([]);
        ctx.fillStyle = color || '#555555';
        ctx.beginPath(); ctx.arc(26, 8, 2.5, 0, 2 * Math.PI); ctx.fill();
      }
    });
  }
  function countBy(items, key) {
    var counts = {};
    items.forEach(function (item) { counts[item[key]] = (counts[item[key]] || 0) + 1; });
    return counts;
  }
  function legendRow(list, sample, label, count, onToggle) {
    var li = el('li');
    var wrap = el('label');
    if (onToggle) {
      var box = el('input');
      box.type = 'checkbox';
      box.checked = true;
      box.addEventListener('change', function () { onToggle(box.checked); });
      wrap.appendChild(box);
    }
    wrap.appendChild(sample);
    wrap.appendChild(el('span', label));
    if (count !== null) wrap.appendChild(el('span', count, 'count'));
    li.appendChild(wrap);
    list.appendChild(li);
  }
  function toggler(set, key) {
    return function (on) {
      if (on) set.add(key); else set.delete(key);
      refresh();
    };
  }
  var nodeCounts = countBy(data.nodes, 'group');
  var statusCounts = countBy(data.edges, 'status');
  var relationCounts = countBy(data.edges, 'rel');
  var typeList = document.querySelector('#legend-types ul');
  data.legend.types.forEach(function (t) {
    var sample = swatch(function (ctx) {
      shapePath(ctx, t.shape, 15, 8, 6);
      ctx.fillStyle = t.color; ctx.fill();
      ctx.strokeStyle = '#333333'; ctx.lineWidth = 1; ctx.stroke();
    });
    legendRow(typeList, sample, t.label, nodeCounts[t.key] || 0, toggler(state.types, t.key));
  });
  var relationList = document.querySelector('#legend-relations ul');
  data.legend.relations.forEach(function (r) {
    legendRow(relationList, lineSample(r.color, 2.5, false, r.kind === 'membership'), r.label,
              relationCounts[r.key] || 0, null);
  });
  if (meta.diff) {
    var changeSection = el('section');
    changeSection.id = 'legend-changes';
    changeSection.appendChild(el('h2', 'Changes ' + meta.diff[0] + ' → ' + meta.diff[1]));
    var changeList = el('ul');
    changeSection.appendChild(changeList);
    ['new', 'ended', 'unchanged'].forEach(function (key) {
      var count = data.nodes.filter(function (n) { return n.change === key; }).length;
      var swatch = el('span', null, 'swatch');
      swatch.style.border = '3px ' + (key === 'ended' ? 'dashed ' : 'solid ') + CHANGE_COLOURS[key];
      swatch.style.borderRadius = '50%';
      legendRow(changeList, swatch, CHANGE_LABELS[key], count, null);
    });
    var typesSection = document.getElementById('legend-types');
    typesSection.parentNode.insertBefore(changeSection, typesSection);
  }
  var statusList = document.querySelector('#legend-statuses ul');
  data.legend.statuses.forEach(function (s) {
    var line = lineSample(s.color || '#555555', s.width, s.dashes, s.key === 'membership');
    legendRow(statusList, line, s.label, statusCounts[s.key] || 0,
              toggler(state.statuses, s.key));
  });

  var yearFrom = document.getElementById('year-from');
  var yearTo = document.getElementById('year-to');
  function setYears() {
    [yearFrom, yearTo].forEach(function (input) {
      input.disabled = years[0] === null;
      if (years[0] !== null) { input.min = years[0]; input.max = years[1]; }
    });
    yearFrom.value = years[0] === null ? '' : years[0];
    yearTo.value = years[1] === null ? '' : years[1];
  }
  setYears();
  function readYears() {
    var from = parseInt(yearFrom.value, 10);
    var to = parseInt(yearTo.value, 10);
    state.from = isNaN(from) ? null : from;
    state.to = isNaN(to) ? null : to;
    refresh();
  }
  yearFrom.addEventListener('change', readYears);
  yearTo.addEventListener('change', readYears);
  var showUndated = document.getElementById('show-undated');
  var undatedTotal = data.nodes.filter(function (n) { return n.undated; }).length;
  document.getElementById('undated-count').textContent = '(' + undatedTotal + ')';
  showUndated.addEventListener('change', function () {
    state.undated = showUndated.checked;
    refresh();
  });
  document.getElementById('reset-filters').addEventListener('click', function () {
    data.legend.types.forEach(function (t) { state.types.add(t.key); });
    data.legend.statuses.forEach(function (s) { state.statuses.add(s.key); });
    document.querySelectorAll('#side input[type=checkbox]').forEach(function (box) {
      box.checked = true;
    });
    state.from = years[0];
    state.to = years[1];
    state.undated = true;
    setYears();
    refresh();
  });
  var visibleCount = document.getElementById('visible-count');
  function refresh() {
    nodesView.refresh();
    edgesView.refresh();
    visibleCount.textContent = 'showing ' + nodesView.length + ' of ' + nodes.length +
      ' nodes, ' + edgesView.length + ' of ' + edges.length + ' relations';
  }
  refresh();

  // -- timeline axis: grid lines on the canvas, year labels as text in an overlay ------------
  // Labels are thinned so that shown years are at least 44 px apart (a year is ~30 px
  // wide): they never overlap. Years in which nothing starts are narrow columns. The band of undated institutions gets its own rule and name.
  if (meta.axis.length || meta.undatedBand !== null && meta.undatedBand !== undefined) {
    var axisBar = el('div', null, 'axis-labels');
    axisBar.setAttribute('aria-hidden', 'true');
    container.appendChild(axisBar);
    var bandLabel = el('div', 'undated: no start date (' + (meta.undated || 0) + ')',
                       'undated-band-label');
    bandLabel.setAttribute('aria-hidden', 'true');
    container.appendChild(bandLabel);
    var spacing = 240;
    var hasBand = meta.undatedBand !== null && meta.undatedBand !== undefined;
    network.on('beforeDrawing', function (ctx) {
      var scale = network.getScale();
      var topLeft = network.DOMtoCanvas({ x: 0, y: 0 });
      var bottom = network.DOMtoCanvas({ x: container.clientWidth, y: container.clientHeight });
      ctx.save();
      ctx.strokeStyle = '#e3e6ea';
      ctx.lineWidth = 1 / scale;
      var lineEnd = hasBand ? Math.min(bottom.y, meta.undatedBand) : bottom.y;
      meta.axis.forEach(function (tick) {
        if (tick.x < topLeft.x - spacing || tick.x > bottom.x + spacing) return;
        ctx.beginPath(); ctx.moveTo(tick.x, topLeft.y); ctx.lineTo(tick.x, lineEnd); ctx.stroke();
      });
      if (hasBand && state.undated) {
        ctx.strokeStyle = '#8c959f';
        ctx.setLineDash([6 / scale, 4 / scale]);
        ctx.beginPath(); ctx.moveTo(topLeft.x, meta.undatedBand);
        ctx.lineTo(bottom.x, meta.undatedBand); ctx.stroke();
      }
      ctx.restore();
    });
    network.on('afterDrawing', function () {
      var lastShown = -Infinity;
      clear(axisBar);
      meta.axis.forEach(function (tick) {
        var x = network.canvasToDOM({ x: tick.x, y: 0 }).x;
        if (x < -20 || x > container.clientWidth + 20 || x - lastShown < 44) return;
        lastShown = x;
        var label = el('span', String(tick.year), 'axis-year');
        label.style.left = x + 'px';
        axisBar.appendChild(label);
      });
      var bandY = hasBand ? network.canvasToDOM({ x: 0, y: meta.undatedBand }).y : -1;
      var showBand = hasBand && state.undated && bandY > 0 && bandY < container.clientHeight;
      bandLabel.style.display = showBand ? 'block' : 'none';
      if (showBand) bandLabel.style.top = (bandY + 2) + 'px';
    });
  }

  // -- details panel ----------------------------------------------------------------------
  function row(dl, term, value) {
    if (value === undefined || value === null || value === '') return;
    dl.appendChild(el('dt', term));
    var dd = el('dd');
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = String(value);
    dl.appendChild(dd);
  }
  function section(title, body) {
    details.appendChild(el('h3', title));
    details.appendChild(body);
  }
  function partyLink(party) {
    if (typeof party !== 'number') return el('span', party);
    var button = el('button', partyName(party), 'link');
    button.type = 'button';
    button.addEventListener('click', function () { selectNode(party); });
    return button;
  }
  function partyList(parties) {
    var span = el('span');
    list(parties).forEach(function (p, i) {
      if (i) span.appendChild(document.createTextNode('; '));
      span.appendChild(partyLink(p));
    });
    return span;
  }
  function sourceList(ids) {
    var ul = el('ul');
    ids = list(ids);
    ids.forEach(function (i) {
      var s = data.sources[i];
      var li = el('li');
      var url = safeUrl(s.url);
      if (url) {
        var a = el('a', s.title);
        a.href = url;
        a.rel = 'noopener noreferrer';
        a.target = '_blank';
        li.appendChild(a);
      } else {
        li.appendChild(el('span', s.title));
      }
      var about = [s.publisher, dateText(s.date)].filter(Boolean);
      if (about.length) li.appendChild(document.createTextNode(' — ' + about.join(', ')));
      if (s.descriptive) li.appendChild(el('span', ' (title ours)', 'hint'));
      if (s.via) li.appendChild(el('div', 'cited via: ' + s.via, 'hint'));
      ul.appendChild(li);
    });
    if (!ids.length) ul.appendChild(el('li', 'none recorded'));
    return ul;
  }
  function textList(items) {
    var ul = el('ul');
    list(items).forEach(function (t) { ul.appendChild(el('li', t)); });
    return ul;
  }
  function statusNode(ev) {
    var cls = ev.pending ? 'pending' : ev.group === 'closed' ? 'closed' : '';
    var text = ev.status + (ev.pending ? ' (pending: not approved)' : '');
    return el('span', text, cls);
  }
  function eventItem(ev) {
    var li = el('li');
    li.appendChild(el('strong', ev.type));
    li.appendChild(document.createTextNode(', ' + (dateText(ev.date) || 'date not given') + ', '));
    li.appendChild(statusNode(ev));
    li.appendChild(document.createTextNode(': '));
    li.appendChild(partyList(ev.originals));
    if (list(ev.results).length) {
      li.appendChild(document.createTextNode(' → '));
      li.appendChild(partyList(ev.results));
    }
    li.appendChild(sourceList(ev.sources));
    return li;
  }
  function unitItem(unit, id) {
    var li = el('li');
    var asMember = unit.member === id;
    li.appendChild(el('strong', unit.role + (asMember ? '' : ' of')));
    li.appendChild(document.createTextNode(': '));
    li.appendChild(partyLink(asMember ? unit.unit : unit.member));
    var dates = [unit.from ? 'from ' + dateText(unit.from) : '',
                 unit.until ? 'until ' + dateText(unit.until) : ''].filter(Boolean);
    if (dates.length) li.appendChild(document.createTextNode(' (' + dates.join(', ') + ')'));
    li.appendChild(sourceList(unit.sources));
    return li;
  }
  function showNode(id, hiddenByFilters) {
    var n = nodes.get(id);
    if (!n) return;
    clear(details);
    details.appendChild(el('h2', n.en || n.zh || n.iri));
    if (n.en && n.zh) details.appendChild(el('p', n.zh, 'zh'));
    if (hiddenByFilters) details.appendChild(el('p', 'Hidden by the current filters.', 'hint'));
    var dl = el('dl');
    row(dl, 'Type', typeLabels[n.group] || n.group);
    row(dl, 'Established', dateText(n.established) || 'not given');
    row(dl, 'Exists from', n.start ? dateText(n.start) + '; from: ' + n.start.from
                                   : 'undated (no date of its own or of an event that made it)');
    if (n.knownBy) row(dl, 'Existed by', dateText(n.knownBy) + '; from: ' + n.knownBy.from);
    if (n.end) row(dl, 'Ended', dateText(n.end) + '; from: ' + n.end.from);
    if (list(n.alt).length) row(dl, 'Also known as', n.alt.join('; '));
    details.appendChild(dl);
    details.appendChild(el('p', n.iri, 'iri'));
    if (list(n.comments).length) section('Notes', textList(n.comments));
    if (list(n.units).length) {
      var units = el('ul');
      n.units.forEach(function (i) { units.appendChild(unitItem(data.units[i], n.id)); });
      section('Units and roles', units);
    }
    if (list(n.events).length) {
      var events = el('ul');
      n.events.forEach(function (i) { events.appendChild(eventItem(data.events[i])); });
      section('Events', events);
    }
    section('Sources', sourceList(n.sources));
  }
  function showEdge(id) {
    var e = edges.get(id);
    if (!e) return;
    clear(details);
    var dl = el('dl');
    var item;
    if (e.event !== undefined) {
      item = data.events[e.event];
      details.appendChild(el('h2', item.type));
      row(dl, 'Date', dateText(item.date) || 'not given');
      row(dl, 'Status', statusNode(item));
      row(dl, 'Confidence', item.confidence);
      row(dl, 'From', partyList(item.originals));
      row(dl, 'To', partyList(item.results));
    } else {
      item = data.units[e.unit];
      details.appendChild(el('h2', item.role));
      row(dl, 'Member', partyLink(item.member));
      row(dl, 'Unit', partyLink(item.unit));
      row(dl, 'From', dateText(item.from));
      row(dl, 'Until', dateText(item.until));
    }
    details.appendChild(dl);
    details.appendChild(el('p', item.iri, 'iri'));
    if (list(item.comments).length) section('Notes', textList(item.comments));
    section('Sources', sourceList(item.sources));
  }
  function showHint() {
    clear(details);
    details.appendChild(el('p', 'Click an institution or a line for its labels, dates, status ' +
                                'and sources.', 'hint'));
  }
  network.on('click', function (params) {
    clear(document.getElementById('search-results'));
    if (params.nodes.length) showNode(params.nodes[0]);
    else if (params.edges.length) showEdge(params.edges[0]);
    else showHint();
  });

  function selectNode(id) {
    var visible = Boolean(nodesView.get(id));
    if (visible) {
      network.selectNodes([id]);
      network.focus(id, { scale: Math.max(1, network.getScale()),
                          animation: { duration: 300, easingFunction: 'easeInOutQuad' } });
    } else {
      network.unselectAll();
    }
    showNode(id, !visible);
  }

  // -- search over every label: English, Chinese, acronyms and former names ---------------
  function normalise(text) {
    return String(text).normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
  }
  var index = data.nodes.map(function (n) {
    var names = [n.en, n.zh].concat(list(n.alt)).filter(Boolean);
    return { id: n.id, label: n.label, names: names, keys: names.map(normalise) };
  });
  function search(text) {
    var query = normalise(text);
    if (!query) return [];
    var hits = [];
    index.forEach(function (item) {
      var best = null;
      item.keys.forEach(function (key, i) {
        var at = key.indexOf(query);
        if (at < 0) return;
        var rank = key === query ? 0 : at === 0 ? 1 : 2;
        if (!best || rank < best.rank || (rank === best.rank && at < best.at)) {
          best = { rank: rank, at: at, name: item.names[i] };
        }
      });
      if (best) hits.push({ id: item.id, label: item.label, rank: best.rank, at: best.at,
                            name: best.name });
    });
    hits.sort(function (a, b) {
      return a.rank - b.rank || a.at - b.at || compare(a.label, b.label) || a.id - b.id;
    });
    return hits;
  }
  var input = document.getElementById('search');
  var results = document.getElementById('search-results');
  var shown = [];
  var active = -1;
  var pending = null;
  function setActive(i) {
    active = i;
    Array.prototype.forEach.call(results.children, function (li, j) {
      li.classList.toggle('active', j === i);
    });
  }
  function runSearch() {
    clear(results);
    shown = search(input.value);
    active = -1;
    if (!input.value.trim()) return;
    if (!shown.length) {
      results.appendChild(el('li', 'no label contains this text', 'note'));
      return;
    }
    shown.slice(0, 50).forEach(function (hit, i) {
      var li = el('li');
      var button = el('button', hit.label.replace(/\n/g, ' · '));
      button.type = 'button';
      if (hit.name !== hit.label && hit.label.indexOf(hit.name) < 0) {
        button.appendChild(el('span', ' (' + hit.name + ')', 'hint'));
      }
      button.addEventListener('click', function () {
        choose(i);
        clear(results);
      });
      li.appendChild(button);
      results.appendChild(li);
    });
    if (shown.length > 50) results.appendChild(el('li', (shown.length - 50) + ' more', 'note'));
    setActive(0);
    selectNode(shown[0].id);
  }
  function choose(i) {
    if (!shown[i]) return;
    setActive(i);
    selectNode(shown[i].id);
  }
  input.addEventListener('input', function () {
    if (pending) clearTimeout(pending);
    pending = setTimeout(runSearch, 120);
  });
  input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter') {
      if (pending) { clearTimeout(pending); pending = null; runSearch(); }
      choose(active < 0 ? 0 : active);
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      var step = event.key === 'ArrowDown' ? 1 : -1;
      var count = Math.min(shown.length, 50);
      if (count) choose((active + step + count) % count);
    } else if (event.key === 'Escape') {
      input.value = '';
      clear(results);
    }
  });
  api.search = function (text) {
    input.value = text;
    runSearch();
    return shown.map(function (hit) { return hit.id; });
  };
}());
