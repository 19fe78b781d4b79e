// airlock HTML report: draws the summary, the findings (with filters), the model cards, the
// dependency tree and the diagnostics from the JSON embedded in this file. Every piece of
// scanned text (package names, model card text, messages) is hostile input: it only ever
// reaches the page through textContent and text nodes, never as markup, and only http(s) links
// become anchors. Nothing is fetched from anywhere.
(function () {
  'use strict';

  var SEVERITIES = ['critical', 'high', 'unknown', 'medium', 'low', 'info'];
  var RANK = { critical: 5, high: 4, medium: 3, low: 2, info: 1 };
  var TREE_NODE_BUDGET = 5000;

  function byId(id) {
    return document.getElementById(id);
  }

  // Builds an element; string children become text nodes, never markup.
  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (key) {
        var value = props[key];
        if (value === undefined || value === null || value === false) {
          return;
        }
        if (key === 'class') {
          node.className = value;
        } else if (key === 'text') {
          node.textContent = String(value);
        } else if (key === 'title') {
          node.title = String(value);
        } else if (key === 'open') {
          node.open = true;
        } else if (key === 'hidden') {
          node.hidden = true;
        } else {
          node.setAttribute(key, String(value));
        }
      });
    }
    (children || []).forEach(function (child) {
      if (child === undefined || child === null || child === false) {
        return;
      }
      node.appendChild(typeof child === 'string' || typeof child === 'number'
        ? document.createTextNode(String(child))
        : child);
    });
    return node;
  }

  // `unknown`: the advisory gives no rating; it counts as the level the policy says
  // (`counted_as`, high by default), just after the findings rated at that level.
  var UNKNOWN_COUNTS_AS = 'high';

  function rank(severity) {
    return severity === 'unknown' ? RANK[UNKNOWN_COUNTS_AS] - 0.5 : (RANK[severity] || 0);
  }

  function badge(severity) {
    if (severity === 'unknown') {
      return el('span', { class: 'sev sev-unknown', text: 'unknown', title: 'the advisory gives no rating; counted as ' + UNKNOWN_COUNTS_AS });
    }
    var known = RANK[severity] ? severity : 'info';
    return el('span', { class: 'sev sev-' + known, text: severity });
  }

  // An anchor for http(s) URLs only; anything else (javascript:, data:) stays text.
  function link(url, label) {
    try {
      var parsed = new URL(url);
      if (parsed.protocol === 'https:' || parsed.protocol === 'http:') {
        var anchor = el('a', { rel: 'noreferrer noopener', target: '_blank', text: label || url });
        anchor.href = parsed.href;
        return anchor;
      }
    } catch (error) {
      // Not a URL: shown as text below.
    }
    return el('span', { text: label || url });
  }

  function readJson(id) {
    var node = byId(id);
    return JSON.parse(node ? node.textContent : 'null');
  }

  var data;
  var meta;
  try {
    data = readJson('airlock-data');
    meta = readJson('airlock-meta');
  } catch (error) {
    byId('summary').appendChild(el('p', { class: 'banner bad', text: 'The report data could not be read: ' + error }));
    return;
  }

  var components = data.components || [];
  var dependencies = data.dependencies || [];
  var findings = data.findings || null;
  (findings || []).forEach(function (finding) {
    if (finding.severity === 'unknown' && RANK[finding.counted_as]) {
      UNKNOWN_COUNTS_AS = finding.counted_as;
    }
  });
  var byRef = new Map();
  components.forEach(function (component) {
    byRef.set(component.ref, component);
  });
  var children = new Map();
  dependencies.forEach(function (edge) {
    if (!children.has(edge.from)) {
      children.set(edge.from, []);
    }
    children.get(edge.from).push(edge);
  });
  var findingsByRef = new Map();
  (findings || []).forEach(function (finding) {
    if (!findingsByRef.has(finding.component)) {
      findingsByRef.set(finding.component, []);
    }
    findingsByRef.get(finding.component).push(finding);
  });

  function nameOf(ref) {
    var component = byRef.get(ref);
    if (!component) {
      return ref;
    }
    return component.version ? component.name + ' ' + component.version : component.name;
  }

  function worst(list) {
    var best = null;
    (list || []).forEach(function (finding) {
      if (!best || rank(finding.severity) > rank(best)) {
        best = finding.severity;
      }
    });
    return best;
  }

  function pathText(refs) {
    return (refs || []).map(function (ref) {
      var component = byRef.get(ref);
      return component ? component.name : ref;
    }).join(' › ');
  }

  function ruleDescription(rule) {
    var rules = (meta && meta.rules) || {};
    return rules[rule] ? rules[rule].description : '';
  }

  // ---- Header and summary ----

  byId('meta').textContent = [
    (meta.command === 'scan' ? 'Scan' : 'SBOM') + ' of ' + (meta.paths || []).join(', '),
    'written ' + meta.generated_at,
    'airlock ' + meta.airlock_version
  ].join(' · ');

  function renderSummary() {
    var summary = byId('summary');
    var database = data.advisory_database;
    if (meta.command !== 'scan') {
      summary.appendChild(el('p', { class: 'banner warn', text: 'An SBOM report: the graph only. `airlock scan` adds the findings.' }));
    } else if (database && database.used) {
      // Freshness is judged from the data: the newest record, beside when it was built or synced.
      var taken = [];
      if (database.built_at) { taken.push('bundle built ' + database.built_at); }
      if (database.synced_at) { taken.push('synced ' + database.synced_at); }
      if (taken.length === 0 && database.updated_at) { taken.push('imported ' + database.updated_at); }
      var age = ['newest record ' + (database.newest_record || 'none')].concat(taken).join('; ');
      var limit = database.max_age === 'none' ? 'no age limit (--max-db-age none)' : 'limit ' + database.max_age;
      var line = database.imported_for_this_scan
        ? 'Advisory database: ' + database.advisories + ' advisories from ' + database.path + ', imported for this scan (' + age + '; ' + limit + ')'
        : 'Advisory database: ' + database.path + ' (' + database.advisories + ' advisories; ' + age + '; ' + limit + ')';
      summary.appendChild(el('p', { class: database.stale ? 'banner bad' : 'banner good', id: 'advisory-database', text: database.stale ? line + ': STALE, older than the limit.' : line + '.' }));
    } else {
      var reason = database && database.reason === '--no-vuln-db'
        ? 'it was turned off with --no-vuln-db'
        : (database && database.reason === 'empty' ? 'the advisory database holds no advisories' : 'no advisory database was found') +
          ' (get one with `airlock db sync` online, or `airlock db import BUNDLE` offline)';
      summary.appendChild(el('p', { class: 'banner warn', id: 'vulnerabilities-skipped', text: 'Vulnerability matching was skipped: ' + reason + '. The findings below are SBOM-level only (unpinned, unhashed, unsafe models).' }));
    }
    if (meta.policy_sentence) {
      summary.appendChild(el('p', { class: meta.policy_caution ? 'banner warn' : 'banner good', id: 'policy', text: meta.policy_sentence }));
    }
    var errors = (data.diagnostics || []).filter(function (diagnostic) {
      return diagnostic.severity === 'error';
    }).length;
    if (errors > 0) {
      summary.appendChild(el('p', { class: 'banner bad', text: errors + (errors === 1 ? ' error' : ' errors') + ' while reading the inputs: the graph is incomplete (see Diagnostics).' }));
    }
    var stats = el('div', { class: 'stats' });
    function stat(value, label) {
      stats.appendChild(el('div', { class: 'stat' }, [el('b', { text: value }), el('span', { class: 'label', text: label })]));
    }
    stat(components.length, 'components');
    stat(dependencies.length, 'dependency edges');
    stat((data.roots || []).length, 'roots');
    stat((data.files || []).length, 'files read');
    if (findings) {
      stat(findings.length, 'findings');
      SEVERITIES.forEach(function (severity) {
        var count = findings.filter(function (finding) {
          return finding.severity === severity;
        }).length;
        if (count > 0) {
          stats.appendChild(el('div', { class: 'stat' }, [el('b', { text: count }), badge(severity),
            severity === 'unknown' ? el('span', { class: 'label', text: ' counted as ' + UNKNOWN_COUNTS_AS }) : null]));
        }
      });
    }
    summary.appendChild(stats);
  }

  // ---- Findings ----

  // What the search box matches, per row (kept out of the DOM).
  var searchText = new Map();

  function findingRow(finding) {
    var component = byRef.get(finding.component);
    var advisory = finding.advisory;
    var identifier = el('td', { class: 'mono' }, [advisory ? advisory.id : finding.rule]);
    if (advisory) {
      identifier.appendChild(el('div', { class: 'none', title: ruleDescription(finding.rule), text: finding.rule }));
    } else {
      identifier.title = ruleDescription(finding.rule);
    }
    var detail = el('td', { class: 'detail' }, [advisory && advisory.summary ? advisory.summary : finding.message]);
    if (advisory) {
      var aliases = (advisory.aliases || []).filter(function (alias) {
        return alias !== advisory.id;
      });
      if (aliases.length) {
        detail.appendChild(el('div', { class: 'none', text: 'also ' + aliases.join(', ') }));
      }
      var references = (advisory.references || []).slice(0, 3);
      if (references.length) {
        var list = el('div', { class: 'none' });
        references.forEach(function (reference, index) {
          if (index > 0) {
            list.appendChild(document.createTextNode(' · '));
          }
          list.appendChild(link(reference, 'reference ' + (index + 1)));
        });
        detail.appendChild(list);
      }
    }
    var evidence = finding.evidence || [];
    var fixed = advisory && advisory.fixed_version;
    var text = [finding.component, finding.rule, finding.message, component ? component.name : '',
      advisory ? advisory.id : '', advisory ? (advisory.aliases || []).join(' ') : '',
      advisory && advisory.summary ? advisory.summary : '', pathText(finding.introduced_through)].join('\n').toLowerCase();
    var row = el('tr', {
      class: 'finding',
      'data-severity': finding.severity,
      'data-rule': finding.rule,
      'data-ecosystem': component ? component.ecosystem : ''
    }, [
      el('td', null, [badge(finding.severity)]),
      el('td', null, [el('span', { class: 'name', text: nameOf(finding.component) }),
        component ? el('div', { class: 'none', text: component.ecosystem }) : null]),
      el('td', { class: fixed ? 'fix' : 'none', text: fixed || '-' }),
      identifier,
      el('td', { class: 'path', text: pathText(finding.introduced_through) || '-' }),
      el('td', { class: 'mono', text: evidence.length ? evidence[0] + (evidence.length > 1 ? ' (+' + (evidence.length - 1) + ')' : '') : '-' }),
      detail
    ]);
    searchText.set(row, text);
    return row;
  }

  function renderFindings() {
    var section = byId('findings');
    var body = byId('findings-table').tBodies[0];
    var count = byId('findings-count');
    if (!findings) {
      byId('filters').hidden = true;
      byId('findings-table').hidden = true;
      count.textContent = 'An SBOM report has no findings: run `airlock scan` for them.';
      return;
    }
    if (findings.length === 0) {
      byId('filters').hidden = true;
      byId('findings-table').hidden = true;
      // A run that read nothing checked nothing: that is not "no findings".
      count.textContent = (data.files || []).length === 0
        ? 'Nothing was read: no file here is one airlock reads, so nothing was checked.'
        : 'No findings.';
      return;
    }
    var rows = findings.map(findingRow);
    rows.forEach(function (row) {
      body.appendChild(row);
    });
    var filters = byId('filters');
    var severityBoxes = {};
    SEVERITIES.forEach(function (severity) {
      var total = findings.filter(function (finding) {
        return finding.severity === severity;
      }).length;
      if (total === 0) {
        return;
      }
      var box = el('input', { type: 'checkbox', 'data-filter-severity': severity });
      box.checked = true;
      severityBoxes[severity] = box;
      filters.appendChild(el('label', null, [box, ' ', badge(severity), ' ' + total]));
    });
    function choices(label, values, attribute) {
      var select = el('select', { 'aria-label': label, 'data-filter': attribute }, [el('option', { value: '', text: 'every ' + label })]);
      values.forEach(function (value) {
        select.appendChild(el('option', { value: value, text: value }));
      });
      filters.appendChild(el('label', null, [label + ' ', select]));
      return select;
    }
    function distinct(pick) {
      var seen = new Set();
      findings.forEach(function (finding) {
        var value = pick(finding);
        if (value) {
          seen.add(value);
        }
      });
      return Array.from(seen).sort();
    }
    var rule = choices('rule', distinct(function (finding) {
      return finding.rule;
    }), 'rule');
    var ecosystem = choices('ecosystem', distinct(function (finding) {
      var component = byRef.get(finding.component);
      return component ? component.ecosystem : '';
    }), 'ecosystem');
    var search = el('input', { type: 'search', placeholder: 'Search package, id, text', 'aria-label': 'Search findings' });
    filters.appendChild(search);
    function apply() {
      var needle = search.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (row) {
        var severity = row.getAttribute('data-severity');
        var visible = (!severityBoxes[severity] || severityBoxes[severity].checked) &&
          (!rule.value || row.getAttribute('data-rule') === rule.value) &&
          (!ecosystem.value || row.getAttribute('data-ecosystem') === ecosystem.value) &&
          (!needle || searchText.get(row).indexOf(needle) !== -1);
        row.hidden = !visible;
        if (visible) {
          shown += 1;
        }
      });
      count.textContent = 'Showing ' + shown + ' of ' + rows.length + ' findings, worst first, grouped by package.';
    }
    Object.keys(severityBoxes).forEach(function (severity) {
      severityBoxes[severity].addEventListener('change', apply);
    });
    rule.addEventListener('change', apply);
    ecosystem.addEventListener('change', apply);
    search.addEventListener('input', apply);
    apply();
    section.setAttribute('data-rendered', String(rows.length));
  }

  // ---- Models ----

  function weightsOf(ref) {
    return (children.get(ref) || []).map(function (edge) {
      return byRef.get(edge.to);
    }).filter(function (component) {
      return component && component.weights;
    });
  }

  function renderModels() {
    var container = byId('model-cards');
    var models = components.filter(function (component) {
      if (component.kind !== 'machine-learning-model') {
        return false;
      }
      var local = component.source && (component.source.kind === 'path' || component.source.kind === 'file');
      return component.model_card || weightsOf(component.ref).length > 0 || local;
    });
    if (models.length === 0) {
      byId('models').hidden = true;
      return;
    }
    models.forEach(function (model) {
      var card = model.model_card || {};
      var files = weightsOf(model.ref);
      var own = (findingsByRef.get(model.ref) || []).slice();
      files.forEach(function (file) {
        own = own.concat(findingsByRef.get(file.ref) || []);
      });
      own.sort(function (a, b) {
        return rank(b.severity) - rank(a.severity);
      });
      var verdict = findings ? (own.length ? badge(own[0].severity) : el('span', { class: 'sev sev-ok', text: 'no finding' })) : null;
      var facts = el('dl');
      function fact(label, value) {
        if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) {
          return;
        }
        facts.appendChild(el('dt', { text: label }));
        facts.appendChild(value instanceof Node ? el('dd', null, [value]) : el('dd', { text: Array.isArray(value) ? value.join(', ') : String(value) }));
      }
      fact('Verdict', own.length ? own.map(function (finding) {
        return finding.severity + ' ' + finding.rule;
      }) : (findings ? 'no finding' : null));
      fact('Formats', Array.from(new Set(files.map(function (file) {
        return file.weights.format;
      }))));
      fact('License', card.license ? card.license.id + (card.license.name ? ' (' + card.license.name + ')' : '') : (model.licenses && model.licenses.length ? model.licenses : 'none stated'));
      fact('Base models', (card.base_models || []).map(function (base) {
        return base.name + ' (' + base.relation + ')';
      }));
      fact('Task', card.task);
      fact('Architecture', (card.architectures && card.architectures[0]) || card.architecture_family);
      fact('Library', card.library_name);
      fact('Datasets', card.datasets);
      fact('Languages', card.languages);
      fact('Repository', card.repository ? card.repository.id + ' @ ' + card.repository.revision : null);
      fact('Creator', card.model_creator);
      fact('Gated', card.gated ? card.gated.keys : null);
      fact('Remote code', (card.remote_code || []).map(function (entry) {
        return entry.auto_class + ' → ' + entry.reference;
      }));
      fact('Missing shards', (card.missing_shards || []).map(function (entry) {
        return entry.shard;
      }));
      fact('Card', card.card);
      var body = [el('h3', null, [el('span', { class: 'name', text: model.name }), verdict]), facts];
      if (files.length) {
        var list = el('ul');
        files.forEach(function (file) {
          var weights = file.weights;
          var hash = (file.hashes || [])[0];
          var item = el('li', null, [el('span', { class: 'mono', text: file.source.path || file.name }),
            ' — ' + weights.format + (weights.size !== undefined ? ', ' + weights.size + ' bytes' : '') +
            (weights.parameters !== undefined ? ', ' + weights.parameters + ' parameters' : '')]);
          if (hash) {
            item.appendChild(el('div', { class: 'mono none', text: hash.algorithm + ' ' + hash.value }));
          }
          (weights.pickles || []).forEach(function (stream) {
            var imports = (stream.imports || []).map(function (entry) {
              return entry.module + '.' + entry.name + (entry.called ? ' (called)' : '');
            });
            var flagged = (findingsByRef.get(file.ref) || []).some(function (finding) {
              return finding.rule === 'dangerous-pickle-import';
            });
            item.appendChild(el('div', { class: flagged ? 'danger' : 'none', text: (stream.name === 'pickle' ? 'pickle' : 'pickle ' + stream.name) + ': ' +
              (imports.length ? 'imports ' + imports.join(', ') : 'imports nothing') + (stream.complete ? '' : ' (scan incomplete)') }));
          });
          list.appendChild(item);
        });
        body.push(el('div', null, [el('b', { text: 'Weights files' }), list]));
      }
      var considerations = card.considerations || {};
      [['Intended uses', considerations.intended_uses], ['Limitations', considerations.limitations], ['Ethical considerations', considerations.ethical]].forEach(function (pair) {
        if (pair[1] && pair[1].length) {
          body.push(el('div', null, [el('b', { text: pair[0] })].concat(pair[1].map(function (text) {
            return el('p', { text: text });
          }))));
        }
      });
      container.appendChild(el('article', { class: 'card', 'data-ref': model.ref }, body));
    });
  }

  // ---- Dependency tree ----

  var rendered = 0;

  function label(ref, edge) {
    var component = byRef.get(ref);
    var facts = [];
    if (component) {
      facts.push(component.kind, component.ecosystem);
      if (component.scope) {
        facts.push(component.scope);
      }
    }
    if (edge) {
      if (edge.kind && edge.kind !== 'normal' && !(component && component.scope === edge.kind)) {
        facts.push(edge.kind + ' dependency');
      }
      if (edge.relation) {
        facts.push(edge.relation);
      }
      if (edge.marker) {
        facts.push('when ' + edge.marker);
      }
    }
    var parts = [el('span', { class: 'name', text: nameOf(ref) }), el('span', { class: 'facts', text: facts.join(' · ') })];
    var severity = worst(findingsByRef.get(ref));
    if (severity) {
      parts.push(' ', badge(severity));
    }
    var via = component && component.introduced_through && component.introduced_through.length > 1
      ? 'introduced through ' + pathText(component.introduced_through)
      : (component && (data.roots || []).indexOf(ref) !== -1 ? 'a root: found on disk' : '');
    if (via) {
      parts.push(el('span', { class: 'via', text: via }));
    }
    return parts;
  }

  function node(ref, edge, ancestors, open) {
    rendered += 1;
    var edges = children.get(ref) || [];
    if (edges.length === 0) {
      return el('div', { class: 'leaf', 'data-ref': ref }, label(ref, edge));
    }
    var details = el('details', { 'data-ref': ref }, [el('summary', null, label(ref, edge))]);
    details.addEventListener('toggle', function () {
      if (details.open) {
        fill(details, ref, ancestors);
      }
    });
    if (open) {
      details.open = true;
      fill(details, ref, ancestors);
    }
    return details;
  }

  function fill(details, ref, ancestors) {
    if (details.getAttribute('data-filled')) {
      return;
    }
    details.setAttribute('data-filled', 'true');
    var path = ancestors.concat([ref]);
    (children.get(ref) || []).forEach(function (edge) {
      if (path.indexOf(edge.to) !== -1) {
        details.appendChild(el('div', { class: 'cycle', text: '↻ ' + nameOf(edge.to) + ' (a cycle back to an ancestor)' }));
      } else {
        details.appendChild(node(edge.to, edge, path, false));
      }
    });
  }

  function renderTree() {
    var root = byId('tree-root');
    var roots = data.roots || [];
    if (roots.length === 0) {
      root.appendChild(el('p', { class: 'hint', text: 'No roots: nothing was found to start a tree from.' }));
    }
    roots.forEach(function (ref) {
      root.appendChild(node(ref, null, [], true));
    });
    byId('expand-all').addEventListener('click', function () {
      var queue = Array.prototype.slice.call(root.querySelectorAll('details'));
      var opened = 0;
      while (queue.length && opened < TREE_NODE_BUDGET) {
        var details = queue.shift();
        if (!details.open) {
          details.open = true;
          fill(details, details.getAttribute('data-ref'), ancestorsOf(details));
        }
        opened += 1;
        Array.prototype.forEach.call(details.children, function (child) {
          if (child.tagName === 'DETAILS') {
            queue.push(child);
          }
        });
      }
    });
    byId('collapse-all').addEventListener('click', function () {
      Array.prototype.forEach.call(root.querySelectorAll('details[open]'), function (details) {
        details.open = false;
      });
    });
    byId('tree-search').addEventListener('change', function (event) {
      findInTree(event.target.value.trim().toLowerCase());
    });
    root.setAttribute('data-rendered', String(rendered));
  }

  function ancestorsOf(details) {
    var refs = [];
    var current = details.parentElement;
    while (current && current.id !== 'tree-root') {
      if (current.tagName === 'DETAILS') {
        refs.unshift(current.getAttribute('data-ref'));
      }
      current = current.parentElement;
    }
    return refs;
  }

  // Opens the shortest path from a root to each matching component and marks it.
  function findInTree(needle) {
    var root = byId('tree-root');
    Array.prototype.forEach.call(root.querySelectorAll('.hit'), function (hit) {
      hit.classList.remove('hit');
    });
    if (!needle) {
      return;
    }
    var matches = components.filter(function (component) {
      return component.name.toLowerCase().indexOf(needle) !== -1 && component.introduced_through && component.introduced_through.length;
    }).slice(0, 50);
    matches.forEach(function (component) {
      var container = root;
      var target = null;
      component.introduced_through.forEach(function (ref) {
        if (!container) {
          return;
        }
        target = Array.prototype.find.call(container.children, function (child) {
          return child.getAttribute('data-ref') === ref;
        }) || null;
        if (target && target.tagName === 'DETAILS') {
          target.open = true;
          fill(target, ref, ancestorsOf(target));
        }
        container = target;
      });
      if (target) {
        target.classList.add('hit');
      }
    });
  }

  // ---- Diagnostics ----

  function renderDiagnostics() {
    var list = byId('diagnostic-list');
    var diagnostics = data.diagnostics || [];
    if (diagnostics.length === 0) {
      list.appendChild(el('p', { class: 'hint', text: 'None: every file was read cleanly.' }));
      return;
    }
    diagnostics.forEach(function (diagnostic) {
      var place = diagnostic.path ? diagnostic.path + (diagnostic.line ? ':' + diagnostic.line + (diagnostic.column ? ':' + diagnostic.column : '') : '') : '';
      var severity = diagnostic.severity === 'error' ? 'high' : (diagnostic.severity === 'warning' ? 'medium' : 'info');
      list.appendChild(el('div', { class: 'diag' }, [
        el('span', { class: 'sev sev-' + severity, text: diagnostic.severity }), ' ',
        el('span', { class: 'code', text: diagnostic.code }), ' ',
        el('span', { class: 'mono', text: place }), ' ',
        el('span', { text: diagnostic.message })
      ]));
    });
  }

  renderSummary();
  renderFindings();
  renderModels();
  renderTree();
  renderDiagnostics();
  document.body.setAttribute('data-ready', 'true');
}());
