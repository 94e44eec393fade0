/* lineage view: draws the JSON data island with vis-network, offline.
 * Every data string reaches the page as text: elements are built with createElement and
 * textContent, vis-network gets plain-string titles (shown with innerText), and a source
 * becomes a link only when its URL is http or https. */
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('lineage-data').textContent);
  var meta = data.meta;
  var FONT = meta.font || 'sans-serif';
  var OVERVIEW = Boolean(meta.overview);
  var container = document.getElementById('graph');
  var details = document.getElementById('details');
  var DataView = vis.DataView || vis.data.DataView;

  // include: dom.js
  function safeUrl(url) {
    if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) return null;
    try {
      var parsed = new URL(url);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
    } catch (err) {
      return null;
    }
  }
  var PRECISION = { year: 'year only', month: 'month only' };
  function dateText(date) {  // "2020 (year only)": the date as precise as the source gives it
    if (!date) return '';
    var note = PRECISION[date.p];
    return note ? date.v + ' (' + note + ')' : date.v;
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
  function copyStyle(text) {  // a fresh copy of a style part, from its cached JSON text
    return text === undefined ? undefined : JSON.parse(text);
  }
  var CHANGE_COLOURS = { 'new': '#1a7f37', ended: '#cf222e', unchanged: '#8c959f' };
  var CHANGE_LABELS = meta.diff ? {
    'new': 'new between ' + meta.diff[0] + ' and ' + meta.diff[1],
    ended: 'ended between ' + meta.diff[0] + ' and ' + meta.diff[1],
    unchanged: 'unchanged (or undated)'
  } : {};
  function shortText(text, max) {
    if (!text) return '';
    if (text.length <= max) return text;  // no more UTF-16 units than characters allowed
    var chars = Array.from(text);
    return chars.length > max ? chars.slice(0, max - 1).join('') + '…' : text;
  }
  function labelOf(n) {  // a label set by the caller (a restyled pyvis Network) is kept
    if (typeof n.label === 'string') return n.label;
    return OVERVIEW
      ? [shortText(n.en, 30), shortText(n.zh, 14)].filter(Boolean).join('\n') || n.iri
      : [n.en, n.zh].filter(Boolean).join('\n') || n.iri;
  }
  data.nodes.forEach(function (n) {
    if (!meta.large) n.label = labelOf(n);  // a large view's come later (see laterLabels)
    if (OVERVIEW && n.size === undefined) {
      n.size = n.part === 'unit' ? 7 : Math.min(32, 11 + 5 * Math.sqrt(n.w || 0));
    }
    var when = n.start ? 'from ' + n.start.v : 'undated';
    if (n.end) when += ', ended ' + n.end.v;
    var type = (typeLabels[n.group] || n.group) + ', ' + when;
    if (typeof n.title !== 'string') n.title = [n.en, n.zh, type].filter(Boolean).join('\n');
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
    if (!styleCache[key]) {
      var given = meta.edgeStyles[key] || {};
      styleCache[key] = { width: given.width, dashes: given.dashes,
                          color: JSON.stringify(given.color || {}),
                          arrows: JSON.stringify(given.arrows || {}) };
    }
    var style = styleCache[key];
    e.color = copyStyle(style.color);
    e.width = style.width;
    e.dashes = style.dashes;
    if (!meta.large) e.arrows = copyStyle(style.arrows);  // a large view's come later
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
  // The network is handed only what it draws: each record's own facts (names, dates, units,
  // sources...) stay in data.nodes and data.edges, for the filters and the panel (a line
  // keeps its relation and status). The network copies every field of an item it is given.
  var NODE_FACTS = new Set(['iri', 'en', 'zh', 'alt', 'year', 'endYear', 'undated', 'start',
                            'end', 'knownBy', 'established', 'units', 'events', 'comments',
                            'sources', 'root', 'ended', 'change', 'part', 'prog', 'w']);
  var EDGE_FACTS = new Set(['event', 'unit', 'year', 'until', 'curve', 'change']);
  function drawn(record, facts) {
    var item = {};
    for (var key in record) {
      if (!facts.has(key)) item[key] = record[key];
    }
    return item;
  }
  var nodeRecords = new Map();
  data.nodes.forEach(function (n) { nodeRecords.set(n.id, n); });
  function nodeRecord(id) { return nodeRecords.get(id); }
  var edgeRecords = new Map();
  data.edges.forEach(function (e) { edgeRecords.set(e.id, e); });
  // A large view opens too far out for any label to be drawn, yet the network measures the
  // label of every node it draws (a third of the first frame at 20,000 nodes): its nodes get
  // their labels once the zoom shows labels, those in and around the view first (see
  // detailsInView). The nodes still without theirs are kept here.
  var laterLabels = meta.large ? new Set() : null;
  var nodes = new vis.DataSet(data.nodes.map(function (n) {
    var item = drawn(n, NODE_FACTS);
    if (laterLabels) {
      laterLabels.add(item.id);
      delete item.label;
    }
    return item;
  }));
  // So do its lines' arrowheads: at the zoom a large view opens at they are a pixel or two
  // long, and the network works out every line's arrows when it builds it.
  var laterArrows = meta.large ? new Set() : null;
  function arrowsOf(e) {
    return copyStyle(styleCache[e.rel + '|' + e.status].arrows);
  }
  var edges = new vis.DataSet(data.edges.map(function (e) {
    if (laterArrows) laterArrows.add(e.id);
    return drawn(e, EDGE_FACTS);
  }));
  var years = meta.years || [null, null];
  var state = {
    types: new Set(data.legend.types.map(function (t) { return t.key; })),
    statuses: new Set(data.legend.statuses.map(function (s) { return s.key; })),
    from: years[0],
    to: years[1],
    undated: true,
    isolated: true,        // isolated institutions shown
    satellites: !OVERVIEW, // units and bodies drawn (the overview folds them)
    open: new Set()        // programmes expanded in the overview
  };
  var connected = null;    // ids with a visible relation, when isolated ones are hidden
  // A large overview hands its items to the network only once the page is set up (see the
  // end of this script): the network then measures and draws them once, in the first frame,
  // instead of measuring every label for a fit and drawing again after folding.
  var DEFERRED = OVERVIEW && meta.large && !meta.physics;
  var loading = DEFERRED;
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
  function passes(n) {
    return state.types.has(n.group) && existsInYears(n) &&
      (state.satellites || n.part !== 'unit');
  }
  function kept(n) {  // passes the filters (drawn, or folded into a programme's bubble)
    return passes(n) && (connected === null || connected.has(n.id));
  }

  // -- overview: a programme's centres without lineage events folded into one bubble --------
  // The bubble is an item of its own: while it is closed its centres (and the units and
  // bodies linked to them alone) are not handed to the network, so none of them is built.
  var programmeLabels = {};
  list(meta.programmes).forEach(function (p) { programmeLabels[p.key] = p.label; });
  var partOf = {};
  var bubbles = new Map();          // bubble id -> programme key
  var bubbleCounts = {};            // programme key -> the count its bubble's label shows
  var folded = new Set();           // programme keys whose bubble is drawn
  var institutionsOf = new Map();   // unit or body id -> ids of the institutions it links
  data.nodes.forEach(function (n) {
    partOf[n.id] = n.part;
    if (OVERVIEW && n.part === 'programme') bubbles.set(bubbleId(n.prog), n.prog);
  });
  if (OVERVIEW) {
    data.edges.forEach(function (e) {
      if (e.unit === undefined) return;
      [[e.from, e.to], [e.to, e.from]].forEach(function (ends) {
        if (partOf[ends[0]] !== 'unit') return;
        if (!institutionsOf.has(ends[0])) institutionsOf.set(ends[0], []);
        institutionsOf.get(ends[0]).push(ends[1]);
      });
    });
  }
  function bubbleId(key) { return 'programme:' + key; }
  function bubbleText(key, count) {
    return { id: bubbleId(key),
             label: programmeLabels[key] + '\n' + count + ' centres without lineage events\n' +
                    '(click to open)',
             title: programmeLabels[key] + ': ' + count + ' centres without lineage events.\n' +
                    'Click to open.' };
  }
  function inBubble(n) {  // a kept centre of a folded programme
    return n.part === 'programme' && folded.has(n.prog) && kept(n);
  }
  // the programmes whose bubbles hold this record now: a centre's own, or, for a unit or
  // body linked to kept institutions only through folded centres, those centres' programmes
  function foldedInto(n) {
    if (n.part === 'programme') return inBubble(n) ? [n.prog] : [];
    var links = n.part === 'unit' && kept(n) && institutionsOf.get(n.id);
    if (!links) return [];
    var keys = [];
    for (var i = 0; i < links.length; i++) {
      var m = nodeRecord(links[i]);
      if (inBubble(m)) keys.push(m.prog);
      else if (kept(m)) return [];
    }
    return keys;
  }
  if (bubbles.size) {
    nodes.add(Array.from(bubbles.values()).map(function (key) {
      bubbleCounts[key] = 0;
      return Object.assign(bubbleText(key, 0), {
        shape: 'box', borderWidth: 2, margin: 10, widthConstraint: { maximum: 220 },
        color: { background: '#f6f8fa', border: '#57606a',
                 highlight: { background: '#ddf4ff', border: '#0969da' } },
        font: { size: 13, face: FONT, color: '#1f2328', multi: false }
      });
    }));
  }
  function foldProgrammes() {  // which bubbles are drawn, and the counts they show
    var counts = {};
    data.nodes.forEach(function (n) {
      if (n.part === 'programme' && kept(n)) counts[n.prog] = (counts[n.prog] || 0) + 1;
    });
    folded.clear();
    var changed = [];
    bubbles.forEach(function (key) {
      var count = counts[key] || 0;
      if (state.open.has(key) || count < 2) return;
      folded.add(key);
      if (bubbleCounts[key] !== count) changed.push(bubbleText(key, count));
      bubbleCounts[key] = count;
    });
    return changed;
  }

  function nodeShown(item) {
    if (loading) return false;
    var key = bubbles.get(item.id);
    if (key !== undefined) return folded.has(key);
    var n = nodeRecord(item.id);
    return n !== undefined && kept(n) && !(OVERVIEW && isFolded(n));
  }
  function isFolded(n) {
    return n.part === 'programme' ? inBubble(n) : n.part === 'unit' && foldedInto(n).length > 0;
  }
  // a relation is handed to the network only when both its ends are shown: one with a
  // hidden (or folded) end is never drawn, and the network would build it for nothing
  function endShown(id) {
    var n = nodeRecord(id);
    return n !== undefined && nodeShown(n);
  }
  var nodesView = new DataView(nodes, { filter: nodeShown });
  var edgesWait = false;
  var edgesView = new DataView(edges, {
    filter: function (item) {
      var e = edgeRecords.get(item.id);
      return !edgesWait && e !== undefined && state.statuses.has(e.status) &&
        inYears(e.year) && endShown(e.from) && endShown(e.to);
    }
  });
  // The network adds the relations it finds missing whenever its nodes change, reading them
  // through the view's filter, and builds them again when the view then says they were
  // added: the relations wait while the nodes change, and are added once, by the view.
  function refreshViews(bubbleLabels) {
    edgesWait = true;
    try {
      if (bubbleLabels && bubbleLabels.length) nodes.update(bubbleLabels);
      nodesView.refresh();
    } finally {
      edgesWait = false;
    }
    edgesView.refresh();
  }

  // -- the network -----------------------------------------------------------------------
  var options = {
    groups: data.groups,
    nodes: {
      shape: 'dot', size: 16, borderWidth: 1.5,
      font: { size: 13, face: FONT, color: '#1f2328', strokeWidth: 3, strokeColor: '#ffffff' },
      // labels smaller than 7 px on screen are not drawn (hover shows the full name)
      scaling: { label: { enabled: false, drawThreshold: 7 } },
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
  // Changes to the data make the network redraw synchronously, once per change; in a large
  // view, while the view changes (a refresh: filters, bubbles, places) drawing is held, and
  // one redraw is asked for at the next frame when the change is done. (Smaller views are
  // measured by those redraws, for their layout.) The renderer's own '_allowRedraw' event
  // would also forget a frame already asked for, and the page would be drawn twice.
  function holdDrawing() {
    if (meta.large) network.renderer.allowRedraw = false;
  }
  function releaseDrawing() {
    if (!meta.large) return;
    network.renderer.allowRedraw = true;
    network.body.emitter.emit('_requestRedraw');  // unless a frame is asked for already
  }
  if (DEFERRED) holdDrawing();

  // Labels and arrowheads of a large view: after each frame drawn at a zoom where labels
  // show (13 px drawn at 6 px or more, as vis-network's drawThreshold has it), the nodes in
  // the view and half a view around it that have none get theirs; once an arrowhead (12
  // canvas px for a lineage line) is 3 px or more on screen, so do the lines with an end
  // there. Both in one more frame.
  var LABEL_SCALE = 0.95 * (options.nodes.scaling.label.drawThreshold - 1) /
                    options.nodes.font.size;
  var ARROW_SCALE = 0.25;
  var detailCheck = null;
  function detailsInView() {
    detailCheck = null;
    var scale = network.getScale();
    var labels = laterLabels.size > 0 && scale >= LABEL_SCALE;
    var arrows = laterArrows.size > 0 && scale >= ARROW_SCALE;
    if (!labels && !arrows) return;
    var width = container.clientWidth, height = container.clientHeight;
    var from = network.DOMtoCanvas({ x: -width / 2, y: -height / 2 });
    var to = network.DOMtoCanvas({ x: 1.5 * width, y: 1.5 * height });
    function near(node) {
      return node && node.x >= from.x && node.x <= to.x && node.y >= from.y && node.y <= to.y;
    }
    var named = [], pointed = [];
    if (labels) {
      laterLabels.forEach(function (id) {
        if (near(network.body.nodes[id])) named.push({ id: id, label: labelOf(nodeRecord(id)) });
      });
    }
    if (arrows) {
      laterArrows.forEach(function (id) {
        var line = network.body.edges[id];
        if (line && (near(line.from) || near(line.to))) {
          pointed.push({ id: id, arrows: arrowsOf(edgeRecords.get(id)) });
        }
      });
    }
    if (!named.length && !pointed.length) return;
    named.forEach(function (item) { laterLabels.delete(item.id); });
    pointed.forEach(function (item) { laterArrows.delete(item.id); });
    holdDrawing();
    if (named.length) nodes.update(named);
    if (pointed.length) edges.update(pointed);
    releaseDrawing();
  }
  if (meta.large) {
    network.on('afterDrawing', function () {
      if (detailCheck === null && (laterLabels.size || laterArrows.size)) {
        detailCheck = setTimeout(detailsInView, 0);
      }
    });
  }

  var api = {
    ready: false,
    readyAt: null,
    fontsChecked: false,  // the CJK check runs once the view is drawn
    network: network,
    nodeCount: function () { return data.nodes.length; },
    edgeCount: function () { return edges.length; },
    visibleNodeCount: keptNodeCount,  // drawn, or folded into a bubble
    nodeIds: function () { return data.nodes.map(function (n) { return n.id; }); },
    isBubble: function (id) { return bubbles.has(id); },
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
    // the font check waits for the page to be idle (a second at most): right after the
    // first frame, the reader's first click or scroll comes first
    if (window.requestIdleCallback) requestIdleCallback(sayWhenNoCjkFont, { timeout: 1000 });
    else setTimeout(sayWhenNoCjkFont, 0);
  }
  if (meta.physics) {
    network.once('stabilizationIterationsDone', function () {
      network.setOptions({ physics: { enabled: false } });
      markReady();
    });
  } else if (!OVERVIEW) {  // the overview is ready once laid out (end of this script)
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
  function legendRow(list, sample, label, count, onToggle, key, checked) {
    var li = el('li');
    var wrap = el('label');
    if (onToggle) {
      var box = el('input');
      box.type = 'checkbox';
      box.checked = checked !== false;
      if (key !== undefined) box.setAttribute('data-key', key);
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
    legendRow(typeList, sample, t.label, nodeCounts[t.key] || 0, toggler(state.types, t.key),
              t.key);
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
              toggler(state.statuses, s.key), s.key);
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
    document.querySelectorAll('#legend-types input, #legend-statuses input, #show-undated')
      .forEach(function (box) {
      box.checked = true;
    });
    state.from = years[0];
    state.to = years[1];
    state.undated = true;
    state.isolated = true;
    hideIsolated.checked = false;
    setYears();
    refresh();
  });
  var visibleCount = document.getElementById('visible-count');
  var selected = null;  // the IRI of the node whose details are shown (kept in the link)
  var restoring = true;  // no link is written while the link's own state is read
  function edgeKept(e) {  // passes the filters, and so do both its ends
    var a = nodeRecord(e.from), b = nodeRecord(e.to);
    return state.statuses.has(e.status) && inYears(e.year) && a !== undefined &&
      b !== undefined && kept(a) && kept(b);
  }
  function linkedEnds() {  // the ends of every relation kept with isolated ones shown
    var linked = new Set();
    data.edges.forEach(function (e) {
      if (e.from !== e.to && edgeKept(e)) {
        linked.add(e.from);
        linked.add(e.to);
      }
    });
    return linked;
  }
  function keptNodeCount() {
    return data.nodes.filter(kept).length;
  }
  function refresh() {
    holdDrawing();
    connected = null;
    if (!state.isolated) connected = linkedEnds();
    refreshViews(OVERVIEW ? foldProgrammes() : null);
    releaseDrawing();  // before relayout: a measured layout draws to measure
    // the overview is laid out again after every change; other Python-placed force views
    // after a filter change (never a timeline: its places are dates)
    if (OVERVIEW || (api.ready && meta.layout === 'force' && !meta.physics)) relayout();
    visibleCount.textContent = 'showing ' + keptNodeCount() + ' of ' + data.nodes.length +
      ' nodes, ' + data.edges.filter(edgeKept).length + ' of ' + data.edges.length +
      ' relations';
    saveState();
  }

  function openProgrammes(keys, open) {
    keys.forEach(function (key) {
      if (open) state.open.add(key); else state.open.delete(key);
      var box = document.querySelector('#programmes input[data-key="' + CSS.escape(key) + '"]');
      if (box) box.checked = open;
    });
    refresh();
  }

  // Lay out what is drawn, left to right: each connected component in columns by how many
  // hops an item is downstream of its best connected item (an event's results right of its
  // originals, a unit right of its member), each item in a cell as large as its measured box
  // (shape and label), columns far enough apart for a line's label; the blocks are packed on
  // shelves about as wide as the graph pane. No two boxes can meet.
  var GAP_X = 30, GAP_Y = 18, EDGE_ROOM = 150;
  // Large views are not measured (each synchronous redraw of 20,000 nodes costs more than the
  // layout): their labels are hidden at the zoom that shows them whole, so every item gets a
  // cell as large as a wrapped label (as the Python layout does).
  var LARGE_CELL = { w: 190, h: 120, dx: 95, dy: 30 };
  function relayout() {
    var measured = !meta.large;
    if (measured) network.redraw();  // synchronous: every box (label included) is measured
    var body = network.body;
    var items = body.nodeIndices.slice();
    var index = new Map();
    items.forEach(function (id, i) { index.set(id, i); });
    var links = items.map(function () { return []; });
    body.edgeIndices.forEach(function (id) {
      var e = body.edges[id];
      if (!e) return;
      var a = index.get(e.fromId), b = index.get(e.toId);
      if (a === undefined || b === undefined || a === b) return;
      links[a].push([b, 1]);
      links[b].push([a, -1]);
    });
    var boxes = items.map(function (id) {
      var node = body.nodes[id];
      var box = node.shape.boundingBox;
      if (!measured) {
        var cluster = bubbles.has(id);
        return { dx: cluster ? 110 : LARGE_CELL.dx, dy: cluster ? 45 : LARGE_CELL.dy,
                 lineage: partOf[id] === 'lineage', w: cluster ? 220 : LARGE_CELL.w,
                 h: cluster ? 90 + GAP_Y : LARGE_CELL.h };
      }
      return { dx: node.x - box.left, dy: node.y - box.top, lineage: partOf[id] === 'lineage',
               w: box.right - box.left, h: box.bottom - box.top + GAP_Y };
    });
    var room = meta.large ? GAP_X : EDGE_ROOM;  // large views draw no line labels
    var blocks = components(items, links).map(function (c) { return block(c, boxes, room); });
    var area = blocks.reduce(function (sum, b) { return sum + b.w * b.h; }, 0);
    var aspect = Math.max(0.5, container.clientWidth / Math.max(1, container.clientHeight));
    var shelfWidth = Math.max(Math.sqrt(area * aspect) * 1.1,
                              Math.max.apply(null, blocks.map(function (b) { return b.w; })));
    blocks.sort(function (a, b) { return b.lineage - a.lineage || b.h - a.h || b.w - a.w; });
    var x = 0, y = 0, shelf = 0;
    blocks.forEach(function (b) {
      if (x > 0 && x + b.w > shelfWidth) { x = 0; y += shelf; shelf = 0; }
      b.columns.forEach(function (column) {
        var top = y + (b.h - column.h) / 2;
        column.members.forEach(function (i) {
          var left = x + column.left + (column.w - boxes[i].w) / 2;
          var node = body.nodes[items[i]];  // not moveNode: it redraws once per node
          node.x = left + boxes[i].dx;
          node.y = top + boxes[i].dy;
          top += boxes[i].h;
        });
      });
      x += b.w + GAP_X;
      shelf = Math.max(shelf, b.h);
    });
    var width = Math.max(shelfWidth, 1), height = Math.max(y + shelf, 1);
    if (!measured) {  // fit from the cells, without measuring
      var scale = Math.min(1.2, 0.95 * Math.min(container.clientWidth / width,
                                                container.clientHeight / height));
      network.moveTo({ position: { x: width / 2, y: height / 2 }, scale: scale,
                       animation: false });
      return;
    }
    network.redraw();  // the boxes at their new places: fit reads them
    network.fit({ animation: false });
    if (network.getScale() > 1.2) network.moveTo({ scale: 1.2 });
    network.redraw();
  }
  function components(items, links) {
    var seen = new Uint8Array(items.length);
    var found = [];
    for (var start = 0; start < items.length; start++) {
      if (seen[start]) continue;
      var members = [start];
      seen[start] = 1;
      for (var k = 0; k < members.length; k++) {
        links[members[k]].forEach(function (o) {
          if (!seen[o[0]]) { seen[o[0]] = 1; members.push(o[0]); }
        });
      }
      var hub = members.reduce(function (best, i) {
        return links[i].length > links[best].length ? i : best;
      }, members[0]);
      var depth = new Map([[hub, 0]]);
      var order = [hub];
      for (var q = 0; q < order.length; q++) {
        links[order[q]].forEach(function (o) {
          if (!depth.has(o[0])) { depth.set(o[0], depth.get(order[q]) + o[1]); order.push(o[0]); }
        });
      }
      found.push({ order: order, depth: depth });
    }
    return found;
  }
  function block(component, boxes, room) {
    var cap = Math.max(4, Math.ceil(Math.sqrt(component.order.length) * 1.6));
    var least = Infinity;
    component.depth.forEach(function (d) { least = Math.min(least, d); });
    var layers = [];
    component.order.forEach(function (i) {
      var d = component.depth.get(i) - least;
      (layers[d] = layers[d] || []).push(i);
    });
    var columns = [];
    var left = 0, height = 0, lineage = component.order.length > 1 ? 1 : 0;
    layers.forEach(function (layer) {
      for (var at = 0; at < layer.length; at += cap) {
        var members = layer.slice(at, at + cap);
        var w = 0, h = 0;
        members.forEach(function (i) { w = Math.max(w, boxes[i].w); h += boxes[i].h; });
        if (columns.length) left += room;
        columns.push({ members: members, left: left, w: w, h: h });
        left += w;
        height = Math.max(height, h);
      }
    });
    component.order.forEach(function (i) { if (boxes[i].lineage) lineage = 1; });
    return { columns: columns, w: left, h: height, lineage: lineage };
  }

  var hideIsolated = document.getElementById('hide-isolated');
  hideIsolated.addEventListener('change', function () {
    state.isolated = !hideIsolated.checked;
    refresh();
  });
  var showSatellites = document.getElementById('show-satellites');
  if (OVERVIEW) {
    var unitCount = data.nodes.filter(function (n) { return n.part === 'unit'; }).length;
    document.getElementById('satellites-toggle').hidden = false;
    document.getElementById('satellite-count').textContent = '(' + unitCount + ')';
    showSatellites.addEventListener('change', function () {
      state.satellites = showSatellites.checked;
      refresh();
    });
    var programmeSection = document.getElementById('programmes');
    var programmeList = programmeSection.querySelector('ul');
    var programmeCounts = countBy(data.nodes.filter(function (n) { return n.part === 'programme'; }),
                                  'prog');
    list(meta.programmes).forEach(function (p) {
      if (!programmeCounts[p.key]) return;
      var sample = el('span', null, 'swatch');
      sample.style.border = '2px solid #57606a';
      sample.style.background = '#f6f8fa';
      legendRow(programmeList, sample, p.label, programmeCounts[p.key], function (on) {
        openProgrammes([p.key], on);
      }, p.key, false);
    });
    programmeSection.hidden = false;
  }

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
      var about = [s.publisher, plainDate(s.date)].filter(Boolean);
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
  // The panel reads as facts first (names, dates, status, units, events, sources with
  // publisher and date) in plain words; curator notes and identifiers are folded below.
  var plainDate = dateText;
  function confidenceNote() {
    var note = el('p', null, 'legend-note');
    note.textContent = 'Confidence: ' + list(meta.confidence).map(function (c) {
      return c.label + ' = ' + c.meaning;
    }).join('; ') + '.';
    return note;
  }
  function statusNote() {
    return el('p', 'Status: approved or completed events are settled (solid lines); planned, ' +
                   'applied or in progress ones are pending (dashed); rejected or withdrawn ' +
                   'ones are closed (dotted, grey).', 'legend-note');
  }
  function curatorNotes(comments, iri) {
    var fold = el('details');
    fold.appendChild(el('summary', 'Curator notes and identifier'));
    if (list(comments).length) fold.appendChild(textList(comments));
    fold.appendChild(el('p', iri, 'iri'));
    details.appendChild(fold);
  }
  function showNode(id, hiddenByFilters) {
    var n = nodeRecord(id);
    if (!n) return;
    clear(details);
    selected = n.iri;
    saveState();
    details.appendChild(el('h2', n.en || n.zh || n.iri));
    if (n.en && n.zh) details.appendChild(el('p', n.zh, 'zh'));
    if (hiddenByFilters) {
      details.appendChild(el('p', n.part === 'unit' && !state.satellites
        ? 'A unit or body, folded into its institutions (tick "units and bodies" to draw it).'
        : 'Hidden by the current filters.', 'hint'));
    }
    var dl = el('dl', null, 'facts');
    row(dl, 'Type', typeLabels[n.group] || n.group);
    row(dl, 'Established', plainDate(n.established) || 'not given');
    row(dl, 'Exists from', n.start ? plainDate(n.start) + ', from ' + n.start.from
                                   : 'undated (no date of its own or of an event that made it)');
    if (n.knownBy) row(dl, 'Existed by', plainDate(n.knownBy) + ', from ' + n.knownBy.from);
    if (n.end) row(dl, 'Ended', plainDate(n.end) + ', by ' + n.end.from);
    else if (n.start) row(dl, 'Status', 'no ending recorded');
    if (list(n.alt).length) row(dl, 'Also known as', n.alt.join('; '));
    details.appendChild(dl);
    if (list(n.units).length) {
      var units = el('ul');
      n.units.forEach(function (i) { units.appendChild(unitItem(data.units[i], n.id)); });
      section('Units and roles', units);
    }
    if (list(n.events).length) {
      var events = el('ul');
      n.events.forEach(function (i) { events.appendChild(eventItem(data.events[i])); });
      section('Events', events);
      details.appendChild(statusNote());
    }
    section('Sources', sourceList(n.sources));
    curatorNotes(n.comments, n.iri);
  }
  function showEdge(id) {
    var e = edgeRecords.get(id);
    if (!e) return;
    clear(details);
    var dl = el('dl', null, 'facts');
    var item;
    if (e.event !== undefined) {
      item = data.events[e.event];
      details.appendChild(el('h2', item.type));
      row(dl, 'Date', plainDate(item.date) || 'not given');
      row(dl, 'Status', statusNode(item));
      row(dl, 'Confidence', item.confidence || 'not given');
      row(dl, 'From', partyList(item.originals));
      row(dl, 'To', partyList(item.results));
    } else {
      item = data.units[e.unit];
      details.appendChild(el('h2', item.role));
      row(dl, 'Member', partyLink(item.member));
      row(dl, 'Unit', partyLink(item.unit));
      row(dl, 'From', plainDate(item.from));
      row(dl, 'Until', plainDate(item.until));
    }
    details.appendChild(dl);
    if (e.event !== undefined) {
      details.appendChild(statusNote());
      details.appendChild(confidenceNote());
    }
    section('Sources', sourceList(item.sources));
    curatorNotes(item.comments, item.iri);
  }
  function showHint() {
    clear(details);
    selected = null;
    saveState();
    details.appendChild(el('p', 'Click an institution or a line for its labels, dates, status ' +
                                'and sources.', 'hint'));
  }
  network.on('click', function (params) {
    clear(document.getElementById('search-results'));
    if (params.nodes.length && bubbles.has(params.nodes[0])) {
      openProgrammes([bubbles.get(params.nodes[0])], true);
      showHint();
    } else if (params.nodes.length) showNode(params.nodes[0]);
    else if (params.edges.length) showEdge(params.edges[0]);
    else showHint();
  });

  function selectNode(id) {
    var n = nodeRecord(id);
    var holders = n && OVERVIEW ? foldedInto(n) : [];
    if (holders.length) openProgrammes(holders, true);  // folded into bubbles: open them
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
  var index = null;  // built at the first search (0.1 s at 20,000 nodes)
  function searchIndex() {
    if (index === null) {
      index = data.nodes.map(function (n) {
        var names = [n.en, n.zh].concat(list(n.alt)).filter(Boolean);
        var full = [n.en, n.zh].filter(Boolean).join('\n') || n.iri;  // the canvas may shorten
        return { id: n.id, label: full, names: names, keys: names.map(normalise) };
      });
    }
    return index;
  }
  function search(text) {
    var query = normalise(text);
    if (!query) return [];
    var hits = [];
    searchIndex().forEach(function (item) {
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
      clear(results);
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
  document.getElementById('search-box').addEventListener('focusout', function (event) {
    if (!event.relatedTarget || !this.contains(event.relatedTarget)) clear(results);
  });
  input.addEventListener('change', saveState);
  api.search = function (text) {
    input.value = text;
    runSearch();
    return shown.map(function (hit) { return hit.id; });
  };

  // -- shareable state: filters, search and the selected node live in the URL fragment ----
  function stateFragment() {
    var params = new URLSearchParams();
    function hidden(all, on) {
      return all.filter(function (x) { return !on.has(x.key); }).map(function (x) {
        return x.key;
      });
    }
    var types = hidden(data.legend.types, state.types);
    var statuses = hidden(data.legend.statuses, state.statuses);
    if (types.length) params.set('hide', types.join(','));
    if (statuses.length) params.set('hidestatus', statuses.join(','));
    if (state.from !== years[0]) params.set('from', state.from === null ? '' : state.from);
    if (state.to !== years[1]) params.set('to', state.to === null ? '' : state.to);
    if (!state.undated) params.set('undated', '0');
    if (!state.isolated) params.set('isolated', '0');
    if (OVERVIEW && state.satellites) params.set('units', '1');
    if (state.open.size) params.set('open', Array.from(state.open).join(','));
    if (input && input.value.trim()) params.set('q', input.value.trim());
    if (selected) params.set('node', selected);
    return params.toString();
  }
  var saveTimer = null;
  function saveState() {  // at most one history entry update per burst of changes
    if (restoring) return;
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(saveStateNow, 100);
  }
  function saveStateNow() {
    if (saveTimer) { clearTimeout(saveTimer); saveTimer = null; }
    if (restoring) return;
    var fragment = stateFragment();
    var target = location.href.split('#')[0] + (fragment ? '#' + fragment : '');
    if (target === location.href) return;
    try {
      history.replaceState(null, '', target);
    } catch (err) {
      location.replace(target);
    }
  }
  function readState(fragment) {
    var params = new URLSearchParams(fragment.replace(/^#/, ''));
    function keys(name) { return (params.get(name) || '').split(',').filter(Boolean); }
    keys('hide').forEach(function (k) { state.types.delete(k); });
    keys('hidestatus').forEach(function (k) { state.statuses.delete(k); });
    document.querySelectorAll('#legend-types input, #legend-statuses input').forEach(function (b) {
      var key = b.getAttribute('data-key');
      b.checked = state.types.has(key) || state.statuses.has(key);
    });
    function year(name, fallback) {
      if (!params.has(name)) return fallback;
      var value = parseInt(params.get(name), 10);
      return isNaN(value) ? null : value;
    }
    state.from = year('from', years[0]);
    state.to = year('to', years[1]);
    yearFrom.value = state.from === null ? '' : state.from;
    yearTo.value = state.to === null ? '' : state.to;
    state.undated = params.get('undated') !== '0';
    showUndated.checked = state.undated;
    state.isolated = params.get('isolated') !== '0';
    hideIsolated.checked = !state.isolated;
    if (OVERVIEW) {
      state.satellites = params.get('units') === '1';
      showSatellites.checked = state.satellites;
    }
    keys('open').forEach(function (k) {
      state.open.add(k);
      var box = document.querySelector('#programmes input[data-key="' + CSS.escape(k) + '"]');
      if (box) box.checked = true;
    });
    return { query: params.get('q') || '', node: params.get('node') };
  }
  var shareLink = document.getElementById('share-link');
  document.getElementById('copy-link').addEventListener('click', function () {
    saveStateNow();
    var button = this;
    shareLink.hidden = false;
    shareLink.value = location.href;
    shareLink.select();
    var done = function (ok) { button.textContent = ok ? 'Link copied' : 'Copy the link'; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(location.href).then(function () { done(true); },
                                                        function () { done(false); });
    } else {
      done(false);
    }
  });
  api.link = function () { saveStateNow(); return location.href; };

  // -- download what is on screen: PNG from the canvas, SVG drawn from the current places ---
  function fileStem() {
    return (document.title || 'lineage view').replace(/^lineage: /, '')
      .replace(/[^A-Za-z0-9\u4e00-\u9fff]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) ||
      'lineage-view';
  }
  function save(url, name) {
    var a = el('a');
    a.href = url;
    a.download = name;
    a.style.display = 'none';
    document.body.appendChild(a);
    a.click();
    a.remove();
  }
  function pngDataUrl() {
    var source = container.querySelector('canvas');
    var copy = document.createElement('canvas');
    copy.width = source.width;
    copy.height = source.height;
    var ctx = copy.getContext('2d');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, copy.width, copy.height);
    ctx.drawImage(source, 0, 0);
    return copy.toDataURL('image/png');
  }
  var SVG_NS = 'http:\/\/www.w3.org/2000/svg';
  function svgEl(tag, attrs, text) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function colourOf(value, fallback) {
    if (typeof value === 'string') return value;
    if (value && typeof value.color === 'string') return value.color;
    if (value && typeof value.background === 'string') return value.background;
    return fallback;
  }
  function svgText() {
    var width = container.clientWidth, height = container.clientHeight;
    var scale = network.getScale();
    var body = network.body;
    var svg = svgEl('svg', { xmlns: SVG_NS, width: width, height: height,
                             viewBox: '0 0 ' + width + ' ' + height, 'font-family': FONT });
    svg.appendChild(svgEl('rect', { x: 0, y: 0, width: width, height: height, fill: '#ffffff' }));
    svg.appendChild(svgEl('title', {}, document.title));
    var edgeLayer = svgEl('g', { 'class': 'edges', fill: 'none' });
    var nodeLayer = svgEl('g', { 'class': 'nodes' });
    svg.appendChild(edgeLayer);
    svg.appendChild(nodeLayer);
    function dom(node) { return network.canvasToDOM({ x: node.x, y: node.y }); }
    body.edgeIndices.forEach(function (id) {
      var e = body.edges[id];
      var from = e && body.nodes[e.fromId], to = e && body.nodes[e.toId];
      if (!from || !to || !e.connected) return;
      var a = dom(from), b = dom(to);
      var colour = colourOf(e.options.color, '#555555');
      var attrs = { x1: a.x.toFixed(1), y1: a.y.toFixed(1), x2: b.x.toFixed(1),
                    y2: b.y.toFixed(1), stroke: colour,
                    'stroke-width': Math.max(0.5, (e.options.width || 1) * scale).toFixed(2) };
      if (Array.isArray(e.options.dashes)) {
        attrs['stroke-dasharray'] = e.options.dashes.map(function (d) {
          return (d * scale).toFixed(1);
        }).join(' ');
      }
      edgeLayer.appendChild(svgEl('line', attrs));
      var angle = Math.atan2(b.y - a.y, b.x - a.x);
      var r = ((to.options.size || 16) + 2) * scale;
      var tip = { x: b.x - Math.cos(angle) * r, y: b.y - Math.sin(angle) * r };
      var head = 9 * scale;
      var points = [tip, { x: tip.x - head * Math.cos(angle - 0.4), y: tip.y - head * Math.sin(angle - 0.4) },
                    { x: tip.x - head * Math.cos(angle + 0.4), y: tip.y - head * Math.sin(angle + 0.4) }];
      edgeLayer.appendChild(svgEl('polygon', {
        points: points.map(function (p) { return p.x.toFixed(1) + ',' + p.y.toFixed(1); }).join(' '),
        fill: colour }));
    });
    body.nodeIndices.forEach(function (id) {
      var node = body.nodes[id];
      var p = dom(node);
      if (p.x < -200 || p.y < -200 || p.x > width + 200 || p.y > height + 200) return;
      var group = data.groups[node.options.group] || {};
      var fill = colourOf(node.options.color, colourOf(group.color, '#9e9e9e'));
      if (node.options.color && typeof node.options.color.background === 'string') {
        fill = node.options.color.background;
      }
      var g = svgEl('g', { 'class': bubbles.has(id) ? 'cluster' : 'node' });
      var box = node.shape.boundingBox;
      if (bubbles.has(id)) {
        var tl = network.canvasToDOM({ x: box.left, y: box.top });
        var br = network.canvasToDOM({ x: box.right, y: box.bottom });
        g.appendChild(svgEl('rect', { x: tl.x.toFixed(1), y: tl.y.toFixed(1), rx: 4,
                                      width: (br.x - tl.x).toFixed(1), height: (br.y - tl.y).toFixed(1),
                                      fill: '#f6f8fa', stroke: '#57606a' }));
      } else {
        g.appendChild(svgEl('circle', { cx: p.x.toFixed(1), cy: p.y.toFixed(1),
                                        r: ((node.options.size || 16) * scale).toFixed(1),
                                        fill: fill, stroke: '#333333', 'stroke-width': 1 }));
      }
      var fontSize = 13 * scale;
      var label = typeof node.options.label === 'string' ? node.options.label
        : laterLabels && laterLabels.has(id) ? labelOf(nodeRecord(id)) : '';
      if (label && fontSize >= 7) {
        var lines = typeof node.options.label === 'string' && node.labelModule &&
                    node.labelModule.lines && node.labelModule.lines.lines
          ? node.labelModule.lines.lines.map(function (line) {
            return line.blocks.map(function (b) { return b.text; }).join('');
          }) : label.split('\n');
        var top = bubbles.has(id)
          ? p.y - (lines.length - 1) * fontSize * 0.6
          : p.y + ((node.options.size || 16) * scale) + fontSize;
        var text = svgEl('text', { x: p.x.toFixed(1), y: top.toFixed(1), 'text-anchor': 'middle',
                                   'font-size': fontSize.toFixed(1), fill: '#1f2328',
                                   stroke: '#ffffff', 'stroke-width': (3 * scale).toFixed(1),
                                   'paint-order': 'stroke' });
        lines.forEach(function (line, i) {
          text.appendChild(svgEl('tspan', { x: p.x.toFixed(1), dy: i ? (fontSize * 1.2).toFixed(1) : 0 },
                                 line));
        });
        g.appendChild(text);
      }
      g.appendChild(svgEl('title', {}, typeof node.options.title === 'string'
        ? node.options.title : label));
      nodeLayer.appendChild(g);
    });
    return new XMLSerializer().serializeToString(svg);
  }
  document.getElementById('download-png').addEventListener('click', function () {
    save(pngDataUrl(), fileStem() + '.png');
  });
  document.getElementById('download-svg').addEventListener('click', function () {
    save('data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svgText()), fileStem() + '.svg');
  });
  api.svg = svgText;

  // -- fonts: say so when no CJK font draws Chinese (boxes instead of glyphs) ---------------
  function cjkFontRenders() {
    var canvas = document.createElement('canvas');
    canvas.width = 48; canvas.height = 40;
    var ctx = canvas.getContext('2d');
    ctx.font = '28px ' + FONT;
    ctx.textBaseline = 'top';
    function ink(text) {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.fillText(text, 4, 4);
      return ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    }
    var a = ink('国'), b = ink('家');
    var drawn = 0, differ = 0;
    for (var i = 3; i < a.length; i += 4) {
      if (a[i]) drawn++;
      if (a[i] !== b[i]) differ++;
    }
    // tofu: the same box for every character, or the width of code points no font has
    var cjk = ctx.measureText('国家工程中心').width;
    var missing = ctx.measureText('\u0378\u0379\u0378\u0379\u0378\u0379').width;
    return drawn > 0 && differ > 0 && Math.abs(cjk - missing) > 0.5;
  }
  api.cjkFontRenders = cjkFontRenders;
  api.glyphWidths = function () {
    var ctx = document.createElement('canvas').getContext('2d');
    ctx.font = '20px ' + FONT;
    return { cjk: ctx.measureText('国家工程技术研究中心').width,
             missing: ctx.measureText('\u0378\u0379\u0378\u0379\u0378\u0379\u0378\u0379\u0378\u0379').width };
  };
  // checked once the view is drawn (see markReady): the first text drawn in the font stack
  // costs some 30 ms (the faces are looked up), which the first frame of a large view (too
  // far out for labels) need not wait for
  function sayWhenNoCjkFont() {
    if (!cjkFontRenders()) {
      var notice = document.getElementById('font-notice');
      notice.textContent = meta.fontHint || 'Chinese labels need a CJK font.';
      notice.hidden = false;
    }
    api.fontsChecked = true;
  }

  // -- open in the state the link carries, then say ready ---------------------------------
  var wanted = readState(location.hash);
  loading = false;
  refresh();
  if (wanted.query) {
    input.value = wanted.query;
    runSearch();
    clear(results);
  }
  if (wanted.node) {
    var chosen = data.nodes.filter(function (n) { return n.iri === wanted.node; })[0];
    if (chosen) selectNode(chosen.id);
  }
  restoring = false;
  if (wanted.node) selected = wanted.node;
  saveStateNow();
  if (OVERVIEW) {
    if (meta.large) network.once('afterDrawing', markReady); else markReady();
  }
}());
