// The dashboard page: three views (topology, run, health) from the server's JSON, and the
// latest run as the server folds it from the engine's events, by server-sent events, drawn as
// it comes (no reload). Plain DOM, no dependencies: everything the page needs ships in the package.

const SVG = 'http://www.w3.org/2000/svg';

/** An element with attributes and children; text goes in as text, never as markup. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs))
    if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  for (const child of children.flat(Infinity))
    if (child !== undefined && child !== null)
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

async function api(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

const seconds = (ms) => (ms === undefined ? '' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
const stateBadge = (state) => h('span', { class: `state state-${state}` }, state);
const live = (text) => {
  document.getElementById('live').textContent = text;
};

// ---------------------------------------------------------------------------------------------
// Views and navigation

const VIEWS = ['topology', 'run', 'health'];
const loaded = new Set();

function show(view) {
  if (!VIEWS.includes(view)) view = 'topology';
  for (const section of document.querySelectorAll('[data-view]'))
    section.hidden = section.dataset.view !== view;
  for (const link of document.querySelectorAll('[data-nav]'))
    if (link.dataset.nav === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  if (!loaded.has(view)) {
    loaded.add(view);
    LOADERS[view]().catch((error) => failed(view, error));
  }
}

const isShown = (view) => document.querySelector(`[data-view="${view}"]`)?.hidden === false;

/** Where each view says that it could not load. */
const BODIES = { topology: 'topology-body', run: 'run-summary', health: 'health-body' };

function failed(view, error) {
  loaded.delete(view);
  const target = document.getElementById(BODIES[view]);
  if (target) target.replaceChildren(h('p', { class: 'step-error', role: 'alert' }, String(error.message)));
}

/** `#topology/<cluster>`: that cluster's card, once the topology is there. */
function focusCluster() {
  const [view, cluster] = location.hash.slice(1).split('/');
  const card = view === 'topology' && cluster && document.getElementById(`cluster-${cluster}`);
  if (!card) return false;
  card.scrollIntoView({ block: 'start' });
  card.querySelector('h3').focus();
  return true;
}

function route(event) {
  const view = (location.hash.slice(1) || 'topology').split('/')[0];
  show(view);
  // Chosen from the navigation: the keyboard goes on from the view's heading (or the cluster's).
  if (event && !focusCluster())
    document.getElementById(`h-${VIEWS.includes(view) ? view : 'topology'}`).focus();
}

// ---------------------------------------------------------------------------------------------
// Topology

function diagram(topology) {
  const management = topology.clusters.find((c) => c.name === topology.managementCluster);
  const workloads = topology.clusters.filter((c) => c !== management);
  const boxW = 150;
  const boxH = 44;
  const gap = 60;
  const width = Math.max(boxW + 40, workloads.length * (boxW + gap) + gap);
  const height = 230;
  const positions = new Map();
  if (management) positions.set(management.name, { x: width / 2 - boxW / 2, y: 16 });
  workloads.forEach((c, i) => positions.set(c.name, { x: gap + i * (boxW + gap), y: height - boxH - 16 }));
  const svg = s('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width: '100%',
    height,
    role: 'group',
    'aria-label': `${topology.clusters.length} clusters, ${topology.mesh.length} mesh links, ${topology.dependencies.length} cross-cluster dependencies`,
    preserveAspectRatio: 'xMidYMid meet',
  });
  svg.append(
    s(
      'defs',
      {},
      s(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto',
        },
        s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#57606a' }),
      ),
    ),
  );
  const centre = (name) => {
    const p = positions.get(name);
    return { x: p.x + boxW / 2, y: p.y + boxH / 2 };
  };
  for (const link of topology.mesh) {
    const [a, b] = link.clusters.map(centre);
    const bend = a.y === b.y ? -40 : 0;
    svg.append(
      s(
        'path',
        { class: 'mesh', d: `M${a.x},${a.y} Q${(a.x + b.x) / 2},${(a.y + b.y) / 2 + bend} ${b.x},${b.y}` },
        s('title', {}, `ClusterMesh ${link.clusters.join(' ↔ ')}`),
      ),
    );
  }
  const byPair = new Map();
  for (const dep of topology.dependencies) {
    const key = `${dep.from.cluster}>${dep.to.cluster}`;
    byPair.set(key, [...(byPair.get(key) ?? []), dep.kind]);
  }
  for (const [key, kinds] of byPair) {
    const [from, to] = key.split('>');
    if (!positions.has(from) || !positions.has(to)) continue;
    const a = positions.get(from);
    const b = positions.get(to);
    const x1 = a.x + boxW / 2;
    const y1 = a.y;
    const x2 = b.x + boxW / 2 + (x1 - (b.x + boxW / 2)) * 0.25;
    const y2 = b.y + boxH;
    svg.append(s('path', { class: 'dep', d: `M${x1},${y1} L${x2},${y2}`, 'marker-end': 'url(#arrow)' }));
    // One kind a line, beside its own arrow (outside the triangle): two arrows' labels never meet.
    const left = x1 < x2;
    const label = s('text', { class: 'dep-label', 'text-anchor': left ? 'end' : 'start' });
    [...new Set(kinds)].forEach((kind, i) =>
      label.append(
        s('tspan', { x: (x1 + x2) / 2 + (left ? -10 : 10), y: (y1 + y2) / 2 - 24 + i * 13 }, kind),
      ),
    );
    svg.append(label);
  }
  for (const cluster of topology.clusters) {
    const p = positions.get(cluster.name);
    svg.append(
      s(
        'a',
        { href: `#topology/${cluster.name}`, 'aria-label': `cluster ${cluster.name}: its details` },
        s('rect', { class: 'box', x: p.x, y: p.y, width: boxW, height: boxH, rx: 6 }),
        s(
          'text',
          { x: p.x + boxW / 2, y: p.y + 18, 'text-anchor': 'middle', 'font-weight': 600 },
          cluster.name,
        ),
        s(
          'text',
          { x: p.x + boxW / 2, y: p.y + 34, 'text-anchor': 'middle' },
          `${cluster.role}, ${cluster.nodes.length} nodes`,
        ),
      ),
    );
  }
  return h(
    'div',
    { class: 'diagram scroll' },
    svg,
    h(
      'p',
      { class: 'legend', style: undefined },
      'dashed: ClusterMesh links; arrows: what workload clusters send to or read from the management cluster',
    ),
  );
}

function clusterCard(cluster) {
  const serving =
    cluster.serving === undefined
      ? 'not asked'
      : cluster.serving
        ? 'serving'
        : `not serving${cluster.detail ? `: ${cluster.detail}` : ''}`;
  return h(
    'article',
    { class: 'cluster', id: `cluster-${cluster.name}`, 'data-cluster': cluster.name },
    h(
      'h3',
      { tabindex: '-1' },
      cluster.name,
      ' ',
      h('span', { class: 'badge' }, cluster.role),
      ' ',
      h('span', { class: 'muted' }, `id ${cluster.id}`),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'API'),
      h('dd', {}, serving),
      h('dt', {}, 'pod CIDR'),
      h('dd', { class: 'mono' }, cluster.podCIDR),
      h('dt', {}, 'service CIDR'),
      h('dd', { class: 'mono' }, cluster.serviceCIDR),
      h('dt', {}, 'LB pool'),
      h('dd', { class: 'mono' }, cluster.loadBalancerPool),
    ),
    h('h4', {}, 'Nodes'),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'nodes' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'name'),
            h('th', {}, 'role'),
            h('th', {}, 'CPU'),
            h('th', {}, 'memory'),
            h('th', {}, 'address'),
            h('th', {}, 'ready'),
          ),
        ),
        h(
          'tbody',
          {},
          cluster.nodes.map((node) =>
            h(
              'tr',
              { 'data-node': node.name },
              h('td', { class: 'mono' }, node.name),
              h('td', {}, node.role),
              h('td', {}, node.cpus),
              h('td', {}, `${node.memoryGiB} GiB`),
              h(
                'td',
                {
                  class: 'mono',
                  'data-address': node.address ?? '',
                  title:
                    node.addressFrom === 'node'
                      ? 'reported by the Node object'
                      : node.addressFrom === 'recorded'
                        ? 'recorded by the provider'
                        : 'none recorded by the provider, none reported by the Node object',
                },
                node.address ?? '—',
              ),
              h('td', {}, node.ready === undefined ? '—' : node.ready ? 'yes' : 'no'),
            ),
          ),
        ),
      ),
    ),
    h('h4', {}, 'Pinned addresses'),
    h(
      'ul',
      { class: 'pinned' },
      cluster.pinned.map((p) => h('li', {}, `${p.service}: `, h('code', {}, p.address))),
    ),
    h(
      'details',
      { class: 'addons', ontoggle: (event) => event.target.open && loadAddons(cluster.name) },
      h('summary', {}, `Add-ons (${cluster.addons.length})`),
      h('p', { class: 'muted addons-at', 'aria-live': 'polite' }, ''),
      h(
        'ul',
        {},
        cluster.addons.map((addon) =>
          h(
            'li',
            { 'data-addon': addon.name },
            h('strong', {}, addon.name),
            ` in ${addon.namespace}: `,
            addon.steps.length === 0
              ? h('span', { class: 'muted' }, 'not run yet')
              : addon.steps.map((step, i) => [
                  i ? ', ' : '',
                  step.id.split('/').at(-1),
                  ' ',
                  stateBadge(step.outcome),
                ]),
            h('div', { class: 'addon-live' }),
          ),
        ),
      ),
    ),
  );
}

/** How a Helm release status reads: deployed is fine, failed is not, pending-* is on its way. */
function releaseTone(status) {
  if (status === 'deployed') return 'pass';
  if (status === 'failed') return 'fail';
  if (status.startsWith('pending-') || status === 'uninstalling') return 'running';
  return 'warn';
}

function addonLiveView(live) {
  if (live.error) return [h('span', { class: 'step-error' }, `cannot read it: ${live.error}`)];
  if (!live.release) return [h('span', { class: 'muted' }, 'no Helm release (applied from manifests)')];
  if (!live.release.installed)
    return [
      'release ',
      h('span', { class: 'state state-new', 'data-release-status': 'not installed' }, 'not installed'),
    ];
  const { release, objects } = live;
  const notJudged = objects.total - objects.judged;
  return [
    'release ',
    h(
      'span',
      { class: `state state-${releaseTone(release.status)}`, 'data-release-status': release.status },
      release.status,
    ),
    ` (revision ${release.revision}, ${release.chart}`,
    release.expectedChart
      ? h('span', { class: 'step-error' }, `, the spec pins ${release.expectedChart}`)
      : '',
    '); ',
    h(
      'span',
      { 'data-objects-ready': `${objects.ready}/${objects.judged}` },
      `${objects.ready} of ${objects.judged} objects ready`,
    ),
    notJudged
      ? h('span', { class: 'muted' }, ` (${notJudged} not judged: their controllers do not run here)`)
      : '',
    objects.notReady.length
      ? h(
          'ul',
          { class: 'not-ready' },
          objects.notReady.map((o) => h('li', {}, h('code', {}, o.object), `: ${o.reason}`)),
        )
      : '',
  ];
}

/** A cluster's add-ons as they run, read when its detail opens (every release, every object). */
async function loadAddons(name) {
  // The card as it is when the answer comes: the topology may have been drawn again meanwhile.
  const card = () => document.getElementById(`cluster-${name}`);
  const at = () => card().querySelector('.addons-at');
  at().textContent = 'reading the releases…';
  try {
    const view = await api(`/api/addons?cluster=${encodeURIComponent(name)}`);
    at().textContent = view.error
      ? `cannot read them: ${view.error}`
      : `live status read ${new Date(view.at).toLocaleTimeString()}`;
    for (const live of view.addons) {
      const target = card().querySelector(`li[data-addon="${CSS.escape(live.name)}"] .addon-live`);
      if (target) target.replaceChildren(...addonLiveView(live));
    }
  } catch (error) {
    at().textContent = `cannot read them: ${error.message}`;
  }
}

async function loadTopology() {
  await drawTopology();
  focusCluster();
}

async function drawTopology() {
  const topology = await api('/api/topology');
  document.getElementById('platform-name').textContent = `· ${topology.platform}`;
  document.title = `${topology.platform} · platformctl dashboard`;
  const target = document.getElementById('topology-body');
  target.classList.remove('loading');
  // A cluster whose add-ons were open stays open, and reads them again.
  const open = [...target.querySelectorAll('details.addons[open]')].map(
    (d) => d.closest('[data-cluster]').dataset.cluster,
  );
  target.replaceChildren(
    h(
      'div',
      { class: 'summary' },
      h('span', {}, 'provider ', h('strong', {}, topology.provider)),
      h('span', {}, 'Kubernetes ', h('strong', {}, topology.kubernetes)),
      h('span', {}, 'domain ', h('code', {}, topology.domain)),
      h('span', {}, 'node subnet ', h('code', {}, topology.nodeSubnet)),
    ),
    diagram(topology),
    h('div', { class: 'clusters' }, topology.clusters.map(clusterCard)),
    h('h3', {}, 'Mesh links'),
    topology.mesh.length === 0
      ? h('p', { class: 'muted' }, 'none')
      : h(
          'ul',
          { id: 'mesh' },
          topology.mesh.map((m) =>
            h(
              'li',
              {},
              `${m.clusters[0]} ↔ ${m.clusters[1]} `,
              h('span', { class: 'muted' }, `(clustermesh-apiserver ${m.addresses.join(' / ')})`),
            ),
          ),
        ),
    h('h3', {}, 'Cross-cluster dependencies'),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { id: 'dependencies' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'from'),
            h('th', {}, ''),
            h('th', {}, 'to'),
            h('th', {}, 'what'),
            h('th', {}, 'why'),
          ),
        ),
        h(
          'tbody',
          {},
          topology.dependencies.map((d) =>
            h(
              'tr',
              {},
              h('td', {}, `${d.from.cluster}/${d.from.addon}`),
              h('td', { 'aria-hidden': 'true' }, '→'),
              h('td', {}, `${d.to.cluster}/${d.to.addon}`, d.address ? [' ', h('code', {}, d.address)] : ''),
              h('td', {}, d.kind),
              h('td', {}, d.why),
            ),
          ),
        ),
      ),
    ),
    h('h3', {}, 'External services'),
    topology.externalServices.length === 0
      ? h('p', { class: 'muted' }, 'none enabled')
      : h(
          'ul',
          {},
          topology.externalServices.map((e) =>
            h(
              'li',
              {},
              h('strong', {}, e.name),
              ` (${e.cpus} CPU, ${e.memoryGiB} GiB): ${e.where}`,
              e.host ? [' — ', h('code', {}, e.host)] : '',
            ),
          ),
        ),
    h('h3', {}, 'Platform UIs'),
    h(
      'ul',
      { id: 'links' },
      topology.links.map((l) =>
        h(
          'li',
          {},
          l.note
            ? h('span', {}, `${l.name} (${l.cluster})`)
            : h(
                'a',
                { href: l.url, target: '_blank', rel: 'noopener noreferrer' },
                `${l.name} (${l.cluster})`,
              ),
          ' ',
          h('code', {}, l.host),
          l.address ? h('span', { class: 'muted' }, ` → ${l.address}`) : '',
          l.note ? h('div', { class: 'muted' }, l.note) : '',
        ),
      ),
    ),
  );
  for (const name of open) {
    const details = document.querySelector(`#cluster-${CSS.escape(name)} details.addons`);
    if (details) details.open = true; // its toggle event reads them
  }
}

// ---------------------------------------------------------------------------------------------
// Run: the graph, the step table, the timeline, and the live events

const run = {
  graph: undefined,
  /** The run being shown: { runId, startedAt, finishedAt, ok, total, durationMs, steps } */
  current: undefined,
  drift: new Map(),
  selected: undefined,
};

function stateOf(step) {
  const live = run.current?.steps[step.id];
  if (live) return live.state;
  if (run.drift.has(step.id)) return 'drifted';
  if (run.current && !run.current.finishedAt) return step.status === 'unchanged' ? 'unchanged' : 'pending';
  return step.status;
}

/** The steps whose view differs between two views of the same run. */
function changedSteps(before, after) {
  return Object.keys({ ...before.steps, ...after.steps }).filter(
    (id) => JSON.stringify(before.steps[id]) !== JSON.stringify(after.steps[id]),
  );
}

const runWord = (view) => (view.finishedAt ? (view.ok ? 'succeeded' : 'failed') : 'running');

function runSummary() {
  const target = document.getElementById('run-summary');
  const current = run.current;
  if (!current) {
    target.replaceChildren(
      h('span', {}, 'No run yet: `platformctl up` in another terminal shows here as it goes.'),
    );
    return;
  }
  const steps = Object.values(current.steps);
  const count = (state) => steps.filter((s) => s.state === state).length;
  const status = current.finishedAt ? (current.ok ? 'succeeded' : 'failed') : 'running';
  target.replaceChildren(
    h('span', {}, 'run ', h('code', { id: 'run-id' }, current.runId)),
    h('span', { id: 'run-status', 'data-state': status }, stateBadge(status)),
    h(
      'span',
      {},
      `${steps.length - count('running') - count('retrying')}/${current.total ?? '?'} steps done`,
    ),
    h(
      'span',
      {},
      `${count('succeeded')} succeeded, ${count('unchanged')} unchanged, ${count('failed')} failed, ${count('skipped')} skipped`,
    ),
    current.durationMs !== undefined ? h('span', {}, `took ${seconds(current.durationMs)}`) : '',
    h('span', { class: 'muted' }, `critical path ${seconds(run.graph.criticalPath.lengthMs)} expected`),
  );
}

function drawGraph() {
  const steps = run.graph.steps;
  const colW = 200;
  const rowH = 30;
  const boxW = 180;
  const boxH = 22;
  const columns = new Map();
  for (const step of steps) columns.set(step.depth, [...(columns.get(step.depth) ?? []), step]);
  const at = new Map();
  let rows = 0;
  for (const [depth, list] of columns) {
    list.sort((a, b) => a.cluster.localeCompare(b.cluster) || a.id.localeCompare(b.id));
    list.forEach((step, i) => at.set(step.id, { x: 8 + depth * colW, y: 8 + i * rowH }));
    rows = Math.max(rows, list.length);
  }
  const width = 16 + columns.size * colW;
  const height = 16 + rows * rowH;
  const critical = run.graph.criticalPath.ids;
  const criticalEdge = new Set(critical.slice(1).map((id, i) => `${critical[i]}>${id}`));
  const svg = s('svg', { width, height, viewBox: `0 0 ${width} ${height}`, 'aria-hidden': 'true' });
  for (const step of steps)
    for (const dep of step.dependsOn) {
      const a = at.get(dep);
      const b = at.get(step.id);
      if (!a || !b) continue;
      const x1 = a.x + boxW;
      const y1 = a.y + boxH / 2;
      const x2 = b.x;
      const y2 = b.y + boxH / 2;
      svg.append(
        s('path', {
          class: `edge${criticalEdge.has(`${dep}>${step.id}`) ? ' critical' : ''}`,
          d: `M${x1},${y1} C${x1 + 12},${y1} ${x2 - 12},${y2} ${x2},${y2}`,
        }),
      );
    }
  for (const step of steps) {
    const p = at.get(step.id);
    const label = step.id.length > 28 ? `${step.id.slice(0, 27)}…` : step.id;
    const node = s(
      'g',
      {
        class: `node${step.critical ? ' critical' : ''}`,
        'data-graph-step': step.id,
        'data-state': stateOf(step),
      },
      s('title', {}, `${step.id}: ${step.description}`),
      s('rect', { x: p.x, y: p.y, width: boxW, height: boxH }),
      s('text', { x: p.x + 6, y: p.y + 15 }, label),
    );
    node.addEventListener('click', () => select(step.id));
    svg.append(node);
  }
  document.getElementById('graph').replaceChildren(svg);
}

function stepRow(step) {
  const state = stateOf(step);
  const live = run.current?.steps[step.id];
  const error = live?.error?.message ?? (state === 'failed' && !live ? 'failed in an earlier run' : '');
  return h(
    'tr',
    { 'data-step': step.id, 'data-state': state, class: step.critical ? 'critical' : undefined },
    h(
      'td',
      {},
      h(
        'button',
        {
          type: 'button',
          class: 'step',
          onclick: () => select(step.id),
          'aria-label': `${step.id}, ${state}${step.critical ? ', on the critical path' : ''}`,
        },
        step.id,
      ),
    ),
    h('td', { class: 'state-cell' }, stateBadge(state)),
    h('td', {}, seconds(live?.durationMs ?? step.last?.durationMs)),
    h(
      'td',
      {},
      step.critical ? h('span', { class: 'badge', title: 'on the critical path' }, 'critical') : '',
    ),
    h('td', { class: 'step-error' }, error ? String(error).split('\n')[0] : ''),
  );
}

function drawSteps() {
  const filter = document.getElementById('step-filter').value.trim().toLowerCase();
  const steps = run.graph.steps.filter(
    (step) => !filter || `${step.id} ${stateOf(step)}`.toLowerCase().includes(filter),
  );
  document
    .getElementById('steps')
    .replaceChildren(
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'step'),
          h('th', {}, 'state'),
          h('th', {}, 'took'),
          h('th', {}, ''),
          h('th', {}, 'error'),
        ),
      ),
      h('tbody', {}, steps.map(stepRow)),
    );
}

function drawGantt() {
  const target = document.getElementById('gantt');
  const current = run.current;
  const critical = new Set(run.graph.criticalPath.ids);
  const origin = current?.startedAt ? Date.parse(current.startedAt) : undefined;
  const started = current ? Object.values(current.steps).filter((x) => x.startedAt) : [];
  if (origin === undefined || started.length === 0) {
    target.replaceChildren(h('p', { class: 'muted' }, 'no step has run yet'));
    return;
  }
  const now = Date.now();
  const rows = started
    .map((x) => {
      const start = Date.parse(x.startedAt);
      const end = x.finishedAt ? Date.parse(x.finishedAt) : now;
      return {
        id: x.id,
        state: x.state,
        offset: Math.max(0, start - origin),
        duration: Math.max(0, x.durationMs ?? end - start),
      };
    })
    .sort((a, b) => a.offset - b.offset || a.id.localeCompare(b.id));
  const total = Math.max(1, current.durationMs ?? 0, ...rows.map((r) => r.offset + r.duration));
  target.replaceChildren(
    h('p', { class: 'legend' }, `0 – ${seconds(total)}; critical path steps in red`),
    ...rows.map((r) =>
      h(
        'div',
        { class: `gantt-row${critical.has(r.id) ? ' critical' : ''}`, 'data-gantt-step': r.id },
        h('span', { class: 'label', title: r.id }, r.id),
        h(
          'span',
          { class: 'track' },
          h('span', {
            class: `bar state-${r.state}`,
            style: undefined,
            title: `${r.id}: ${r.state}, ${seconds(r.duration)}`,
            'data-left': (r.offset / total) * 100,
            'data-width': (r.duration / total) * 100,
          }),
        ),
      ),
    ),
  );
  // Positions through the CSSOM: the page's policy allows no inline style attributes.
  for (const bar of target.querySelectorAll('.bar')) {
    bar.style.left = `${bar.dataset.left}%`;
    bar.style.width = `${bar.dataset.width}%`;
  }
}

async function select(id, focus = true) {
  run.selected = id;
  const step = run.graph.steps.find((x) => x.id === id);
  if (!step) return;
  const live = run.current?.steps[id];
  const state = stateOf(step);
  const panel = document.getElementById('step-detail');
  panel.hidden = false;
  const error = live?.error;
  const logBox = h('pre', { id: 'log-tail' }, 'loading the log…');
  panel.replaceChildren(
    h('h3', { id: 'detail-title', tabindex: '-1' }, step.id),
    h('p', {}, stateBadge(state), step.critical ? [' ', h('span', { class: 'badge' }, 'critical path')] : ''),
    h('p', {}, step.description),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'kind'),
      h('dd', {}, step.kind),
      h('dt', {}, 'expected'),
      h('dd', {}, seconds(step.expectedDurationMs)),
      h('dt', {}, 'attempt'),
      h('dd', {}, live?.attempt ?? '—'),
      h('dt', {}, 'took'),
      h('dd', {}, seconds(live?.durationMs) || '—'),
      h('dt', {}, 'depends on'),
      h('dd', {}, step.dependsOn.join(', ') || '—'),
      live?.blockedBy ? [h('dt', {}, 'blocked by'), h('dd', {}, live.blockedBy)] : '',
      live?.detail ? [h('dt', {}, 'detail'), h('dd', {}, live.detail)] : '',
    ),
    error
      ? h(
          'div',
          { class: 'step-error', role: 'alert', id: 'detail-error' },
          h('strong', {}, 'Error: '),
          error.message,
          error.commandLine
            ? h(
                'div',
                {},
                'command: ',
                h('code', {}, error.commandLine),
                error.exitCode !== undefined ? ` (exit ${error.exitCode})` : '',
              )
            : '',
          error.outputTail ? h('pre', {}, error.outputTail) : '',
        )
      : '',
    h('h4', {}, 'Log tail'),
    logBox,
    h(
      'button',
      {
        type: 'button',
        onclick: () => {
          panel.hidden = true;
          run.selected = undefined;
        },
      },
      'Close',
    ),
  );
  if (focus) document.getElementById('detail-title').focus();
  const runId = live ? run.current.runId : step.last?.runId;
  if (!runId) {
    logBox.textContent = 'no run wrote a log for it yet';
    return;
  }
  try {
    const { lines } = await api(`/api/log?run=${encodeURIComponent(runId)}&step=${encodeURIComponent(id)}`);
    logBox.textContent = lines.length ? lines.join('\n') : '(empty)';
  } catch (error2) {
    logBox.textContent = `no log: ${error2.message}`;
  }
}

function drawRun() {
  runSummary();
  drawGraph();
  drawSteps();
  drawGantt();
}

/** One step's row cells and graph node, in place (events come fast, and focus stays where it is). */
function updateStep(id) {
  const step = run.graph?.steps.find((x) => x.id === id);
  if (!step) return;
  const row = document.querySelector(`tr[data-step="${CSS.escape(id)}"]`);
  if (row) {
    const fresh = stepRow(step);
    row.setAttribute('data-state', fresh.getAttribute('data-state'));
    // The first cell holds the button (and maybe the focus): its label changes, the element stays.
    row.cells[0].firstChild.setAttribute('aria-label', fresh.cells[0].firstChild.getAttribute('aria-label'));
    for (let i = 1; i < fresh.cells.length; i++) row.cells[i].replaceChildren(...fresh.cells[i].childNodes);
  }
  const node = document.querySelector(`[data-graph-step="${CSS.escape(id)}"]`);
  if (node) node.setAttribute('data-state', stateOf(step));
  if (run.selected === id) select(id, false);
}

let redraw;
function scheduleRedraw() {
  if (redraw) return;
  redraw = setTimeout(() => {
    redraw = undefined;
    runSummary();
    drawGantt();
  }, 250);
}

async function loadRun() {
  const page = await api('/api/run');
  run.graph = page.graph;
  // Events already received are newer than the page's snapshot.
  if (!run.current) run.current = page.run;
  drawRun();
}

function connect() {
  const source = new EventSource('/api/events');
  source.addEventListener('open', () => live('live: following the engine’s events'));
  source.addEventListener('error', () => live('connection lost: reconnecting…'));
  // The server folds the engine's events: each message is the whole run as it stands now.
  source.addEventListener('run', (message) => {
    const view = JSON.parse(message.data);
    const previous = run.current;
    run.current = view;
    live(`live: run ${view.runId} ${runWord(view)}`);
    // What the run did shows in the topology's add-on steps: read again when it is next shown.
    if (view.finishedAt && previous?.finishedAt !== view.finishedAt && !isShown('topology'))
      loaded.delete('topology');
    if (!run.graph) return;
    if (!previous || previous.runId !== view.runId) {
      drawRun();
      return;
    }
    if (view.finishedAt && !previous.finishedAt) {
      // The plan's statuses changed with the run: read them again (no reload).
      loadRun().catch((error) => failed('run', error));
      return;
    }
    for (const id of changedSteps(previous, view)) updateStep(id);
    scheduleRedraw();
  });
}

// ---------------------------------------------------------------------------------------------
// Health

function checksTable(id, checks) {
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      { id },
      h('thead', {}, h('tr', {}, h('th', {}, 'check'), h('th', {}, 'status'), h('th', {}, 'evidence'))),
      h(
        'tbody',
        {},
        checks.map((c) =>
          h(
            'tr',
            { 'data-check': c.id },
            h('td', { class: 'mono' }, c.id),
            h('td', {}, stateBadge(c.status)),
            h('td', {}, c.evidence),
          ),
        ),
      ),
    ),
  );
}

function findingsTable(id, findings) {
  if (!findings.length) return h('p', { class: 'muted' }, 'no findings');
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      { id },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'cluster'),
          h('th', {}, 'severity'),
          h('th', {}, 'object'),
          h('th', {}, 'evidence'),
          h('th', {}, 'fix'),
        ),
      ),
      h(
        'tbody',
        {},
        findings.map((f) =>
          h(
            'tr',
            {},
            h('td', {}, f.cluster),
            h('td', {}, stateBadge(f.severity)),
            h('td', { class: 'mono' }, f.object),
            h('td', {}, f.evidence),
            h('td', {}, f.hint),
          ),
        ),
      ),
    ),
  );
}

/** The latest `platformctl verify` or `analyze` run elsewhere (a terminal, a script), with its time. */
function savedReport(kind, saved) {
  const title = h('h4', {}, `platformctl ${kind}`);
  if (!saved)
    return h(
      'section',
      { class: 'saved', id: `saved-${kind}` },
      title,
      h('p', { class: 'muted' }, `none saved yet: run platformctl ${kind} in this project`),
    );
  const scope = [
    saved.clusters ? `clusters ${saved.clusters.join(', ')}` : 'every cluster',
    saved.filter ? `analyzers ${saved.filter.join(', ')}` : '',
  ].filter(Boolean);
  const summary =
    kind === 'verify'
      ? `${saved.report.checks.length} checks, ${saved.report.checks.filter((c) => c.status === 'fail').length} failed`
      : `${saved.findings.length} findings, ${saved.findings.filter((f) => f.severity === 'error').length} errors`;
  return h(
    'section',
    { class: 'saved', id: `saved-${kind}`, 'data-at': saved.at },
    title,
    h(
      'p',
      {},
      kind === 'verify' ? stateBadge(saved.report.ok ? 'pass' : 'fail') : '',
      kind === 'verify' ? ' ' : '',
      'run ',
      h('time', { datetime: saved.at }, new Date(saved.at).toLocaleString()),
      ` on ${scope.join(', ')}: ${summary}`,
    ),
    h(
      'details',
      {},
      h('summary', {}, kind === 'verify' ? 'its checks' : 'its findings'),
      kind === 'verify'
        ? checksTable(`saved-verify-checks`, saved.report.checks)
        : findingsTable('saved-findings', saved.findings),
    ),
  );
}

async function loadHealth(refresh = false) {
  const target = document.getElementById('health-body');
  const button = document.getElementById('health-refresh');
  button.disabled = true;
  target.setAttribute('aria-busy', 'true');
  target.replaceChildren(h('p', {}, 'checking every cluster (status, verify, analyze)…'));
  try {
    const health = await api(`/api/health${refresh ? '?refresh=1' : ''}`);
    run.drift = new Map(health.drift.map((d) => [d.id, d.drift]));
    if (run.graph) drawRun();
    document.getElementById('health-at').textContent = `checked ${new Date(health.at).toLocaleString()}`;
    const checks = health.verify?.checks ?? [];
    const findings = health.findings ?? [];
    target.replaceChildren(
      h(
        'p',
        { id: 'health-overall' },
        stateBadge(health.healthy ? 'pass' : 'fail'),
        health.healthy ? ' healthy' : ` ${health.problems.length} problem(s)`,
      ),
      health.errors.length
        ? h(
            'ul',
            { class: 'step-error' },
            health.errors.map((e) => h('li', {}, e)),
          )
        : '',
      health.problems.length
        ? h(
            'ul',
            {},
            health.problems.map((p) => h('li', {}, p)),
          )
        : '',
      h('h3', {}, `Drift (${health.drift.length})`),
      health.drift.length
        ? h(
            'ul',
            { id: 'drift' },
            health.drift.map((d) => h('li', {}, h('code', {}, d.id), `: ${d.drift}`)),
          )
        : h('p', { class: 'muted' }, 'nothing drifted'),
      h('h3', {}, `verify (${checks.length} checks)`),
      checksTable('verify', checks),
      h('h3', {}, `analyze (${findings.length} findings)`),
      findingsTable('findings', findings),
      h('h3', {}, 'Saved reports'),
      savedReport('verify', health.saved.verify),
      savedReport('analyze', health.saved.analyze),
    );
  } finally {
    button.disabled = false;
    target.removeAttribute('aria-busy');
  }
}

const LOADERS = { topology: loadTopology, run: loadRun, health: () => loadHealth(false) };

document.addEventListener('DOMContentLoaded', () => {
  document
    .getElementById('health-refresh')
    .addEventListener('click', () => loadHealth(true).catch((error) => failed('health', error)));
  document.getElementById('step-filter').addEventListener('input', () => run.graph && drawSteps());
  window.addEventListener('hashchange', route);
  route();
  connect();
});
