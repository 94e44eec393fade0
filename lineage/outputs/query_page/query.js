/* lineage query page: canned queries, a highlighted editor, results with institution links.
 * Runs offline: the only requests are to this server (/run). Every string from the data island
 * or from a result reaches the page as text (createElement + textContent), never as HTML.
 * The page's state (query text, canned query, parameters) lives in the URL's fragment, so a
 * link reopens the same query; a fragment never reaches the server, and opening a link only
 * fills the editor: nothing runs until the user presses Run. */
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('page-data').textContent);
  var form = document.getElementById('query-form');
  var editor = document.getElementById('query');
  var highlight = document.getElementById('highlight');
  var gutter = document.getElementById('gutter');
  var answer = document.getElementById('answer');
  var status = document.getElementById('status');
  var paramsBox = document.getElementById('params');
  var cannedName = document.getElementById('canned-name');
  var cannedByName = {};
  var errorAt = null; // {line, column} of the last syntax error while the text is unchanged

  // include: dom.js

  // -- syntax highlighting: a token pass painted under a transparent textarea ----------
  var KEYWORDS = ('select distinct reduced construct describe ask where optional union minus ' +
    'filter bind values graph group by having order asc desc limit offset as exists not in ' +
    'prefix base a undef lateral').split(' ');
  var FUNCTIONS = ('str lang langmatches datatype bound iri uri bnode rand abs ceil floor round ' +
    'concat strlen ucase lcase encode_for_uri contains strstarts strends strbefore strafter year ' +
    'month day hours minutes seconds timezone tz now uuid struuid md5 sha1 sha256 sha384 sha512 ' +
    'coalesce if strlang strdt sameterm isiri isuri isblank isliteral isnumeric regex substr ' +
    'replace count sum min max avg sample group_concat separator true false').split(' ');
  var TOKEN = new RegExp([
    '(#[^\\n]*)',                                                   // 1 comment
    '(\'\'\'[\\s\\S]*?(?:\'\'\'|$)|"""[\\s\\S]*?(?:"""|$)|' +
      '\'(?:[^\'\\\\\\n]|\\\\.)*\'?|"(?:[^"\\\\\\n]|\\\\.)*"?)',      // 2 string
    '(<[^<>"{}|^`\\\\\\s]*>)',                                      // 3 IRI
    '([?$][\\w\\u00b7\\u00c0-\\uffff]+)',                           // 4 variable
    '(@[A-Za-z]+(?:-[A-Za-z0-9]+)*)',                               // 5 language tag
    '((?:[A-Za-z][\\w.-]*)?:(?:[\\w:%-]|\\.(?=[\\w:%-]))*)',         // 6 prefixed name
    '([A-Za-z_]\\w*)',                                              // 7 word
    '(\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)'                          // 8 number
  ].join('|'), 'g');
  var CLASSES = [null, 'c-comment', 'c-string', 'c-iri', 'c-var', 'c-lang', 'c-pname', null,
                 'c-number'];

  function tokens(text) {
    var found = [];
    var match;
    TOKEN.lastIndex = 0;
    while ((match = TOKEN.exec(text)) !== null) {
      if (match[0] === '') { TOKEN.lastIndex++; continue; }
      var group = 1;
      while (match[group] === undefined) group++;
      var cls = CLASSES[group];
      if (group === 7) {
        var word = match[0].toLowerCase();
        cls = KEYWORDS.indexOf(word) >= 0 ? 'c-keyword' :
              FUNCTIONS.indexOf(word) >= 0 ? 'c-function' : null;
      }
      if (cls) found.push({ start: match.index, end: match.index + match[0].length, cls: cls });
    }
    return found;
  }

  function offsetOf(text, line, column) {
    var lines = text.split('\n');
    var offset = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
    var row = lines[Math.min(line, lines.length) - 1] || '';
    return offset + Math.max(0, Math.min(column - 1, row.length));
  }

  function paint() {
    var text = editor.value;
    clear(highlight);
    var marks = tokens(text);
    var errorOffset = errorAt ? offsetOf(text, errorAt.line, errorAt.column) : -1;
    if (errorOffset >= 0) {
      // the error mark replaces the token that holds the position (or one character)
      var holder = marks.filter(function (t) { return t.start <= errorOffset && errorOffset < t.end; })[0];
      var end = holder ? holder.end : Math.min(text.length, errorOffset + 1);
      var start = holder ? holder.start : errorOffset;
      if (end === start || text.charAt(start) === '\n') end = start; // at a line end: a blank
      marks = marks.filter(function (t) { return t.end <= start || t.start >= Math.max(end, start + 1); });
      marks.push({ start: start, end: end, cls: 'c-error' });
      marks.sort(function (a, b) { return a.start - b.start; });
    }
    var at = 0;
    marks.forEach(function (mark) {
      if (mark.start > at) highlight.appendChild(document.createTextNode(text.slice(at, mark.start)));
      var span = el('span', mark.end > mark.start ? text.slice(mark.start, mark.end) : ' ', mark.cls);
      highlight.appendChild(span);
      at = mark.end;
    });
    highlight.appendChild(document.createTextNode(text.slice(at) + '\n'));
    var count = text.split('\n').length;
    var numbers = [];
    for (var n = 1; n <= count; n++) numbers.push(n);
    gutter.textContent = numbers.join('\n') + '\n';
    syncScroll();
  }

  function syncScroll() {
    highlight.scrollTop = editor.scrollTop;
    highlight.scrollLeft = editor.scrollLeft;
    gutter.scrollTop = editor.scrollTop;
  }

  editor.addEventListener('input', function () { errorAt = null; paint(); });
  editor.addEventListener('scroll', syncScroll);
  editor.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit(); else run();
    } else if (event.key === 'Tab' && !event.shiftKey && !event.altKey) {
      event.preventDefault(); // two spaces, as the canned queries indent
      editor.setRangeText('  ', editor.selectionStart, editor.selectionEnd, 'end');
      paint();
    }
  });

  // -- canned queries and their parameters ---------------------------------------------
  function paramInput(param, value) {
    var row = el('label', null, 'param');
    row.appendChild(el('span', param.name, 'param-name'));
    var input = el('input');
    input.name = 'p.' + param.name;
    input.type = 'text';
    input.value = value === undefined || value === null ? (param['default'] || '') : value;
    input.placeholder = param.type === 'institution' ? 'name, acronym or IRI' :
                        param.type === 'year' ? 'YYYY' : param.type === 'iri' ? 'IRI or prefix:name' :
                        'text';
    input.addEventListener('input', function () { saveState(); });
    row.appendChild(input);
    row.appendChild(el('span', param.description + ' (' + param.type + ')', 'hint'));
    return row;
  }

  function showCanned(name, values) {
    var query = cannedByName[name];
    cannedName.value = query ? name : '';
    document.getElementById('canned-info').hidden = !query;
    clear(paramsBox);
    Array.prototype.forEach.call(document.querySelectorAll('#canned-list button'), function (b) {
      b.setAttribute('aria-pressed', b.dataset.name === name && query ? 'true' : 'false');
    });
    if (!query) return;
    document.getElementById('canned-title').textContent = query.title;
    document.getElementById('canned-description').textContent = query.description;
    query.params.forEach(function (param) {
      paramsBox.appendChild(paramInput(param, values ? values[param.name] : undefined));
    });
  }

  function pickCanned(name) {
    showCanned(name, null);
    editor.value = cannedByName[name].text;
    errorAt = null;
    paint();
    clear(answer);
    saveState();
    editor.setSelectionRange(0, 0); // show the query from its first line
    editor.focus();
    editor.scrollTop = 0;
    syncScroll();
  }

  data.canned.forEach(function (query) {
    cannedByName[query.name] = query;
    var item = el('li');
    var button = el('button', null, 'canned');
    button.type = 'button';
    button.dataset.name = query.name;
    button.setAttribute('aria-pressed', 'false');
    button.appendChild(el('span', query.title, 'canned-title'));
    button.appendChild(el('span', query.name, 'canned-name'));
    button.title = query.description;
    button.addEventListener('click', function () { pickCanned(query.name); });
    item.appendChild(button);
    document.getElementById('canned-list').appendChild(item);
  });
  document.getElementById('prefix-list').textContent = data.prefixes.map(function (p) {
    return 'PREFIX ' + p[0] + ': <' + p[1] + '>';
  }).join('\n');

  // -- the URL keeps the query, the canned query's name and its parameters -------------
  function stateParams() {
    var state = new URLSearchParams();
    if (cannedName.value) state.set('canned', cannedName.value);
    Array.prototype.forEach.call(paramsBox.querySelectorAll('input'), function (input) {
      state.set(input.name, input.value);
    });
    state.set('query', editor.value);
    return state;
  }

  function saveState() {
    history.replaceState(null, '', '#' + stateParams().toString());
  }

  function loadState() {
    var state = new URLSearchParams(location.hash.slice(1));
    var name = state.get('canned');
    var values = {};
    state.forEach(function (value, key) {
      if (key.indexOf('p.') === 0) values[key.slice(2)] = value;
    });
    showCanned(name && cannedByName[name] ? name : '', values);
    if (state.has('query')) editor.value = state.get('query');
    else if (name && cannedByName[name]) editor.value = cannedByName[name].text;
    errorAt = null;
    paint();
  }

  window.addEventListener('hashchange', loadState);
  document.getElementById('canned-clear').addEventListener('click', function () {
    showCanned('', null);
    saveState();
    editor.focus();
  });
  document.getElementById('share').addEventListener('click', function () {
    saveState();
    var done = function () { status.textContent = 'Link copied: it reopens this query.'; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(location.href).then(done, function () {
        status.textContent = 'The address bar now holds a link to this query.';
      });
    } else {
      status.textContent = 'The address bar now holds a link to this query.';
    }
  });

  // -- running and showing the answer ---------------------------------------------------
  form.addEventListener('submit', function (event) {
    if (document.getElementById('format').value !== 'html') { saveState(); return; } // a download
    event.preventDefault();
    run();
  });

  function run() {
    saveState();
    var body = stateParams();
    body.set('format', 'page');
    status.textContent = 'Running…';
    document.getElementById('run').disabled = true;
    var started = Date.now();
    fetch('/run', {
      method: 'POST', body: body, credentials: 'omit', cache: 'no-store',
      headers: { 'Accept': 'application/json' }
    }).then(function (response) {
      var type = response.headers.get('Content-Type') || '';
      var read = type.indexOf('json') >= 0 ? response.json() : response.text().then(function (t) {
        return { error: t.trim() || ('HTTP ' + response.status) };
      });
      return read;
    }).then(function (result) {
      clear(answer);
      if (result.error !== undefined) showError(result); else showResult(result);
      status.textContent = result.error !== undefined ? '' :
        'Answered in ' + ((Date.now() - started) / 1000).toFixed(2) + ' s.';
    }, function (err) {
      clear(answer);
      showError({ error: 'The server did not answer (' + err + '). Is `lineage serve` running?' });
      status.textContent = '';
    }).then(function () {
      document.getElementById('run').disabled = false;
    });
  }

  function showError(result) {
    var box = el('div', null, 'error');
    box.setAttribute('role', 'alert');
    var lines = String(result.error).split('\n');
    box.appendChild(el('p', lines[0], 'error-message'));
    if (result.line && result.column) {
      errorAt = { line: result.line, column: result.column };
      paint();
      var text = editor.value.split('\n');
      var shown = text[result.line - 1];
      var where = el('p', 'at line ' + result.line + ', column ' + result.column, 'error-where');
      box.appendChild(where);
      if (shown !== undefined) {
        var caret = new Array(Math.max(0, result.column - 1) + 1).join(' ') + '^';
        box.appendChild(el('pre', shown + '\n' + caret, 'error-caret'));
      }
      var rest = lines.slice(1).filter(function (l) { return l.trim() && l.trim() !== '^' &&
        (shown === undefined || l.trim() !== shown.trim()); });
      if (rest.length) box.appendChild(el('pre', rest.join('\n'), 'error-more'));
      if (result.hint && String(result.error).indexOf(result.hint) < 0) {
        box.appendChild(el('p', result.hint, 'error-hint'));
      }
      var offset = offsetOf(editor.value, result.line, result.column);
      editor.setSelectionRange(offset, offset);
    } else if (lines.length > 1) {
      box.appendChild(el('pre', lines.slice(1).join('\n'), 'error-more'));
    }
    answer.appendChild(box);
  }

  function cell(value) {
    var td = el('td');
    if (!value) return td;
    if (value.type === 'uri' && value.view && value.view.indexOf('/view?') === 0) {
      var link = el('a', value.label || value.zh || value.short, 'institution');
      link.href = value.view;
      link.title = value.short;
      td.appendChild(link);
      if (value.label && value.zh) td.appendChild(el('span', value.zh, 'zh'));
    } else if (value.type === 'uri') {
      var iri = el('span', value.short, 'iri');
      iri.title = value.value;
      td.appendChild(iri);
    } else if (value.type === 'bnode') {
      td.appendChild(el('span', '_:' + value.value, 'iri'));
    } else {
      var literal = el('span', value.value, 'literal');
      if (value.datatype) literal.title = value.datatype;
      td.appendChild(literal);
      if (value.lang) td.appendChild(el('span', '@' + value.lang, 'lang'));
    }
    return td;
  }

  function showResult(result) {
    var summary = el('p', null, 'summary');
    if (result.kind === 'ASK') {
      answer.appendChild(el('p', result.boolean ? 'true' : 'false', 'boolean'));
      return;
    }
    if (result.kind === 'CONSTRUCT' || result.kind === 'DESCRIBE') {
      summary.textContent = result.count + ' triple' + (result.count === 1 ? '' : 's');
      answer.appendChild(summary);
      answer.appendChild(el('pre', result.turtle, 'turtle'));
      return;
    }
    summary.textContent = result.rows.length + ' row' + (result.rows.length === 1 ? '' : 's') +
      (result.truncated ? ', cut at the row limit' : '') + '. Institutions link to their views.';
    answer.appendChild(summary);
    var table = el('table', null, 'results');
    var head = el('tr');
    result.variables.forEach(function (name) { head.appendChild(el('th', name)); });
    var thead = el('thead');
    thead.appendChild(head);
    table.appendChild(thead);
    var tbody = el('tbody');
    result.rows.forEach(function (row) {
      var tr = el('tr');
      row.forEach(function (value) { tr.appendChild(cell(value)); });
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    var box = el('div', null, 'table-box');
    box.appendChild(table);
    answer.appendChild(box);
  }

  loadState();
})();
