// The lambdakit dev console: Preact components written with htm (tagged templates, no JSX step).
// esbuild bundles this file with preact and htm (lib/dev/console/assets.ts); nothing is fetched
// from elsewhere at run time.
import { h, render } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import htm from 'htm';

const html = htm.bind(h);

/** Invocations the page keeps (the server keeps its own bounded history). */
const MAX_FEED = 500;

async function getJson(url) {
  const response = await fetch(url);
  const body = await response.json();
  if (!response.ok) throw new Error(body.message || response.statusText);
  return body;
}

/** Every request that changes something is a POST with JSON and the console's header (the server refuses others). */
async function postJson(url, body) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-lambdakit-console': '1' }, body: JSON.stringify(body) });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.message + (answer.hint ? ` (${answer.hint})` : ''));
  return answer;
}

/** JSON text pretty-printed; anything else as it is. */
function pretty(text) {
  if (text === undefined || text === null) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** An API Gateway-style event or response carries its body as a JSON string: that body, parsed and pretty-printed. */
function jsonBody(text) {
  try {
    const body = JSON.parse(text)?.body;
    if (typeof body !== 'string' || !/^\s*[[{]/.test(body)) return undefined;
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return undefined;
  }
}

function Body({ text }) {
  const body = jsonBody(text);
  return body ? html`<details class="body"><summary>body, parsed</summary><pre class="json">${body}</pre></details>` : null;
}

/** Log lines, with JSON lines (structured logs) pretty-printed. */
function prettyLog(text) {
  return text
    .split('\n')
    .map((line) => (/^\s*\{/.test(line) ? pretty(line) : line))
    .join('\n');
}

const ms = (n) => (n === undefined ? '' : n < 10 ? `${n.toFixed(2)} ms` : `${n.toFixed(1)} ms`);
const clock = (iso) => iso.slice(11, 23);

function Omitted({ kept }) {
  return kept.omittedBytes ? html`<p class="note">${kept.omittedBytes} bytes left out (the console keeps a bounded part of each invocation)</p>` : null;
}

function StatusBadge({ status, text }) {
  return html`<span class="badge status-${status}">${text}</span>`;
}

function Feed({ feed, functions, onOpen, openId }) {
  const [fn, setFn] = useState('');
  const [status, setStatus] = useState('');
  const shown = useMemo(() => feed.filter((i) => (!fn || i.function === fn) && (!status || i.status === status)), [feed, fn, status]);
  return html`
    <section class="feed">
      <div class="toolbar">
        <label>Function <select name="function-filter" value=${fn} onChange=${(e) => setFn(e.target.value)}>
          <option value="">all</option>
          ${functions.map((f) => html`<option value=${f.path}>${f.path}</option>`)}
        </select></label>
        <label>Status <select name="status-filter" value=${status} onChange=${(e) => setStatus(e.target.value)}>
          <option value="">all</option><option value="ok">ok</option><option value="partial">partial batch failure</option><option value="error">error</option>
        </select></label>
        <span class="count">${shown.length} of ${feed.length} invocations</span>
      </div>
      <div class="scroll"><table class="invocations">
        <thead><tr><th>time</th><th>function</th><th>trigger</th><th>start</th><th>duration</th><th class="wide">billed</th><th class="wide">memory</th><th>status</th></tr></thead>
        <tbody>
          ${shown.map(
            (i) => html`<tr key=${i.id} class=${`invocation ${openId === i.id ? 'open' : ''}`} data-id=${i.id} data-function=${i.function} data-status=${i.status} onClick=${() => onOpen(i.id)}>
              <td class="mono">${clock(i.time)}</td>
              <td>${i.function}</td>
              <td><span class=${`kind kind-${i.triggerKind}`}>${i.triggerKind}</span> <span class="mono">${i.trigger}</span></td>
              <td class="nowrap">${i.cold ? html`<span class="cold">cold ${ms(i.initDurationMs)}</span>` : html`<span class="warm">warm</span>`}</td>
              <td class="num">${ms(i.durationMs)}</td>
              <td class="num wide">${i.billedDurationMs} ms</td>
              <td class="num wide">${i.maxMemoryUsedMb} / ${i.memoryMb} MB</td>
              <td><${StatusBadge} status=${i.status} text=${i.statusText} /></td>
            </tr>`,
          )}
        </tbody>
      </table></div>
      ${feed.length === 0 ? html`<p class="empty">No invocations yet. Send a request to the gateway, or invoke a function from the Invoke tab.</p>` : null}
    </section>`;
}

function Detail({ id, onClose, onReplayed }) {
  const [detail, setDetail] = useState(null);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState(false);
  const [event, setEvent] = useState('');
  const [result, setResult] = useState(null);
  useEffect(() => {
    setDetail(null);
    setError('');
    setEditing(false);
    setResult(null);
    getJson(`/api/invocations/${id}`).then((d) => {
      setDetail(d);
      setEvent(pretty(d.event.text));
    }, (e) => setError(e.message));
  }, [id]);
  const replay = async () => {
    setResult(null);
    try {
      const answer = await postJson(`/api/invocations/${id}/replay`, { event: JSON.parse(event) });
      setResult({ ok: answer.ok, text: pretty(answer.response) });
      if (answer.invocation) onReplayed(answer.invocation.id);
    } catch (e) {
      setResult({ ok: false, text: e.message });
    }
  };
  if (error) return html`<aside class="detail"><button class="close" onClick=${onClose}>×</button><p class="error">${error}</p></aside>`;
  if (!detail) return html`<aside class="detail"><p>Loading…</p></aside>`;
  return html`
    <aside class="detail" data-id=${detail.id}>
      <button class="close" title="close" onClick=${onClose}>×</button>
      <h2>${detail.function} <${StatusBadge} status=${detail.status} text=${detail.statusText} /></h2>
      <p class="meta">${detail.trigger} · version ${detail.version} · ${detail.cold ? `cold start (init ${ms(detail.initDurationMs)})` : 'warm'} · ${ms(detail.durationMs)} (billed ${detail.billedDurationMs} ms) · ${detail.maxMemoryUsedMb} of ${detail.memoryMb} MB · request ${detail.requestId}</p>
      <h3>Event</h3>
      ${editing
        ? html`<textarea class="json" name="replay-event" rows="14" value=${event} onInput=${(e) => setEvent(e.target.value)}></textarea>
            <div class="actions"><button class="primary" name="replay-run" onClick=${replay}>Replay with this event</button> <button onClick=${() => setEditing(false)}>Cancel</button></div>`
        : html`<pre class="json event">${pretty(detail.event.text)}</pre><${Omitted} kept=${detail.event} /><${Body} text=${detail.event.text} />
            <div class="actions"><button name="replay" onClick=${() => setEditing(true)}>Replay…</button></div>`}
      ${result ? html`<div class=${`result ${result.ok ? 'ok' : 'failed'}`}><h3>Replay ${result.ok ? 'answered' : 'failed'}</h3><pre class="json">${result.text}</pre></div>` : null}
      <h3>${detail.status === 'error' ? 'Error' : 'Response'}</h3>
      <pre class=${`json response ${detail.status === 'error' ? 'failed' : ''}`}>${pretty(detail.response.text)}</pre><${Omitted} kept=${detail.response} /><${Body} text=${detail.response.text} />
      <h3>Log</h3>
      <pre class="log">${prettyLog(detail.log.text)}</pre><${Omitted} kept=${detail.log} />
      ${detail.platformLinesAdded ? html`<p class="note">START, END and REPORT are below this function's system log level: CloudWatch would not keep them.</p>` : null}
    </aside>`;
}

function Functions({ functions }) {
  return html`
    <section class="functions">
      <h2>Functions</h2>
      <div class="scroll"><table>
        <thead><tr><th>function</th><th>runtime</th><th>warm environments</th><th>last invocation</th></tr></thead>
        <tbody>
          ${functions.map(
            (f) => html`<tr data-function=${f.path}>
              <td>${f.path}</td><td class="mono">${f.runtime} · ${f.memoryMb} MB</td>
              <td class="num">${f.environments}</td>
              <td>${f.last ? html`<span class="mono">${clock(f.last.time)}</span> <${StatusBadge} status=${f.last.status} text=${f.last.statusText} /> ${ms(f.last.durationMs)}` : html`<span class="muted">none yet</span>`}</td>
            </tr>`,
          )}
        </tbody>
      </table></div>
    </section>`;
}

function Invoke({ functions, sources }) {
  const [fnPath, setFnPath] = useState('');
  const fn = functions.find((f) => f.path === fnPath) ?? functions[0];
  const [qualifier, setQualifier] = useState('');
  const [source, setSource] = useState('');
  const [values, setValues] = useState({});
  const [event, setEvent] = useState('{}');
  const [asynchronous, setAsynchronous] = useState(false);
  const [result, setResult] = useState(null);
  const [problem, setProblem] = useState('');
  // Only the last event asked for is shown, whichever answer comes back first.
  const latest = useRef(0);

  const spec = sources?.sources.find((s) => s.name === source);
  const build = async (chosen = source, options = values) => {
    setProblem('');
    const request = ++latest.current;
    try {
      const answer = await postJson('/api/events/build', { source: chosen, options });
      if (request === latest.current) setEvent(JSON.stringify(answer.event, null, 2));
    } catch (e) {
      if (request === latest.current) setProblem(e.message);
    }
  };

  // Picking a function proposes the event its first trigger sends, built by lib/events.
  useEffect(() => {
    if (!fn) return;
    setQualifier(fn.qualifiers[0]);
    const trigger = fn.triggers[0];
    setSource(trigger ? trigger.source : '');
    setValues(trigger ? { ...trigger.options } : {});
    if (trigger) build(trigger.source, trigger.options);
    else setEvent('{}');
  }, [fn?.path]);
  const invoke = async () => {
    setProblem('');
    setResult(null);
    let parsed;
    try {
      parsed = JSON.parse(event);
    } catch (e) {
      setProblem(`the event is not JSON: ${e.message}`);
      return;
    }
    try {
      const answer = await postJson('/api/invoke', { function: fn.path, qualifier, event: parsed, async: asynchronous });
      setResult(answer.async ? { ok: true, text: `queued as an asynchronous invocation (request ${answer.requestId}); it appears in the feed when it runs` } : { ok: answer.ok, text: pretty(answer.response) });
    } catch (e) {
      setProblem(e.message);
    }
  };
  if (!fn) return html`<p class="empty">The app has no functions.</p>`;
  return html`
    <section class="invoke">
      <div class="columns">
        <div>
          <label class="row">Function <select name="invoke-function" value=${fn.path} onChange=${(e) => setFnPath(e.target.value)}>
            ${functions.map((f) => html`<option value=${f.path}>${f.path}</option>`)}
          </select></label>
          <label class="row">Qualifier <select name="invoke-qualifier" value=${qualifier} onChange=${(e) => setQualifier(e.target.value)}>
            ${fn.qualifiers.map((q) => html`<option value=${q}>${q}</option>`)}
          </select></label>
          <h3>Build an event</h3>
          ${fn.triggers.length ? html`<p class="note">Its triggers: ${fn.triggers.map((t) => html`<button class="link" onClick=${() => { setSource(t.source); setValues({ ...t.options }); build(t.source, t.options); }}>${t.label}</button> `)}</p>` : null}
          <label class="row">Source <select name="event-source" value=${source} onChange=${(e) => { setSource(e.target.value); setValues({}); }}>
            <option value="">(write the JSON yourself)</option>
            ${sources?.sources.map((s) => html`<option value=${s.name}>${s.name} — ${s.description}</option>`)}
          </select></label>
          ${spec ? html`<div class="options">
            ${spec.options.map((name) => {
              const o = sources.options[name];
              if (o.type === 'boolean') return html`<label class="row"><input type="checkbox" checked=${values[name] === true} onChange=${(e) => setValues({ ...values, [name]: e.target.checked })} /> --${name} <span class="muted">${o.describe}</span></label>`;
              return html`<label class="row">--${name} <input name=${`option-${name}`} value=${Array.isArray(values[name]) ? values[name].join('\n') : (values[name] ?? '')} placeholder=${o.repeatable ? 'one per line' : ''} onInput=${(e) => setValues({ ...values, [name]: o.repeatable ? e.target.value.split('\n') : e.target.value })} title=${o.describe} /></label>`;
            })}
            <button name="build-event" onClick=${() => build()}>Build event</button>
          </div>` : null}
        </div>
        <div>
          <h3>Event</h3>
          <textarea class="json" name="invoke-event" rows="18" value=${event} onInput=${(e) => setEvent(e.target.value)}></textarea>
          <div class="actions">
            <label><input type="checkbox" name="invoke-async" checked=${asynchronous} onChange=${(e) => setAsynchronous(e.target.checked)} /> asynchronously (Event: retries and dead-letter queue apply)</label>
            <button class="primary" name="invoke-run" onClick=${invoke}>Invoke ${fn.path}</button>
          </div>
          ${problem ? html`<p class="error">${problem}</p>` : null}
          ${result ? html`<div class=${`result ${result.ok ? 'ok' : 'failed'}`}><h3>${result.ok ? 'Response' : 'Error'}</h3><pre class="json invoke-result">${result.text}</pre></div>` : null}
        </div>
      </div>
    </section>`;
}

function DeadLetters({ tick }) {
  const [queues, setQueues] = useState(null);
  const [problem, setProblem] = useState('');
  const [done, setDone] = useState('');
  const load = useCallback(() => getJson('/api/dead-letters').then(setQueues, (e) => setProblem(e.message)), []);
  useEffect(() => {
    load();
  }, [tick]);
  // Messages reach a dead-letter queue on a receive, with no invocation to announce it: read again a
  // second after each read while this tab is open (never two reads at once, however slow the services).
  useEffect(() => {
    let stopped = false;
    let timer;
    const again = async () => {
      await load();
      if (!stopped) timer = setTimeout(again, 1000);
    };
    timer = setTimeout(again, 1000);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  const redrive = async (queue, source) => {
    setProblem('');
    try {
      const { moved, to } = await postJson('/api/dead-letters/redrive', { queue, source });
      setDone(`${moved} message(s) of ${queue} redriven to ${to}`);
      load();
    } catch (e) {
      setProblem(e.message);
    }
  };
  if (!queues) return html`<p>Loading…</p>`;
  return html`
    <section class="dead-letters">
      <div class="toolbar"><button onClick=${load}>Refresh</button> ${done ? html`<span class="done">${done}</span>` : null}</div>
      ${problem ? html`<p class="error">${problem}</p>` : null}
      ${queues.length === 0 ? html`<p class="empty">The app declares no dead-letter queues.</p>` : null}
      ${[...queues].sort((a, b) => b.visible + b.inFlight - (a.visible + a.inFlight)).map(
        (q) => html`<article class="queue" data-queue=${q.name}>
          <h2>${q.name} <span class="count">${q.visible} message(s)${q.inFlight ? `, ${q.inFlight} in flight` : ''}</span></h2>
          <p class="meta">Dead letters of ${q.sources.map((s) => `${s.kind} ${s.name}`).join(', ')}</p>
          ${q.error ? html`<p class="error">${q.error}</p>` : null}
          <div class="actions">
            ${q.sources.map((s) => (s.redrive ? html`<button class="primary" name="redrive" data-source=${s.name} disabled=${q.visible === 0} onClick=${() => redrive(q.name, s.name)} title=${s.redrive}>Redrive to ${s.kind} ${s.name}</button> ` : html`<span class="muted">${s.kind} ${s.name}: dev does not deliver here, no redrive</span> `))}
          </div>
          ${q.messages.length
            ? html`<table class="messages"><thead><tr><th>message</th><th>body</th><th>attributes</th></tr></thead><tbody>
                ${q.messages.map((m) => html`<tr class="message" data-message=${m.messageId}><td class="mono">${m.messageId.slice(0, 8)}<br /><span class="muted">${m.sentAt ? clock(m.sentAt) : ''}</span></td><td><pre class="json">${pretty(m.body)}</pre></td><td>${Object.entries(m.attributes).map(([k, v]) => html`<div><b>${k}</b>: ${v}</div>`)}</td></tr>`)}
              </tbody></table>`
            : null}
        </article>`,
      )}
    </section>`;
}

function Resources() {
  const [resources, setResources] = useState(null);
  const [problem, setProblem] = useState('');
  const load = useCallback(() => getJson('/api/resources').then(setResources, (e) => setProblem(e.message)), []);
  useEffect(() => {
    load();
  }, []);
  if (!resources) return html`<p>Loading…</p>${problem ? html`<p class="error">${problem}</p>` : null}`;
  return html`
    <section class="resources">
      <div class="toolbar"><button onClick=${load}>Refresh</button></div>
      ${resources.length === 0 ? html`<p class="empty">The app declares no tables, queues, buckets, topics or streams.</p>` : null}
      ${resources.map(
        (r) => html`<article class="resource" data-kind=${r.kind} data-name=${r.name}>
          <h2><span class=${`kind kind-${r.kind}`}>${r.kind}</span> ${r.name} <span class="count">${r.count ?? '?'}${r.countIsMinimum ? '+' : ''} ${r.countLabel}</span></h2>
          <p class="meta">${r.construct}${r.note ? ` · ${r.note}` : ''}</p>
          ${r.error ? html`<p class="error">${r.error}</p>` : null}
          ${r.first.length ? html`<ol class="items">${r.first.map((x) => html`<li><code>${JSON.stringify(x)}</code></li>`)}</ol>` : null}
        </article>`,
      )}
    </section>`;
}

function Wiring({ functions }) {
  const [graph, setGraph] = useState(null);
  const [problem, setProblem] = useState('');
  const holder = useRef(null);
  useEffect(() => {
    getJson('/api/graph').then(setGraph, (e) => {
      setProblem(e.message);
      setGraph({ svg: '', nodes: {} });
    });
  }, []);
  // Live state on the diagram: each function's node gets its warm environments and last status.
  useEffect(() => {
    const svg = holder.current?.querySelector('svg');
    if (!svg || !graph) return;
    for (const f of functions) {
      const node = graph.nodes[f.path] && svg.querySelector(`g.node[id="${CSS.escape(graph.nodes[f.path])}"]`);
      if (!node) continue;
      node.classList.toggle('warm', f.environments > 0);
      node.classList.toggle('failed', f.last?.status === 'error');
      node.classList.toggle('partial', f.last?.status === 'partial');
      node.dataset.function = f.path;
      node.dataset.environments = String(f.environments);
      // The live state, written under the node's box: warm environments and the last invocation.
      let label = node.querySelector('text.live');
      if (!label) {
        const box = node.getBBox();
        label = document.createElementNS('http://www.w3.org/2000/svg', 'text');
        label.classList.add('live');
        label.setAttribute('x', String(box.x + box.width / 2));
        label.setAttribute('y', String(box.y + box.height + 11));
        label.setAttribute('text-anchor', 'middle');
        node.append(label);
      }
      label.textContent = `${f.environments} warm${f.last ? ` · ${f.last.statusText} ${ms(f.last.durationMs)} at ${f.last.time.slice(11, 19)}` : ''}`;
    }
  }, [graph, functions]);
  if (!graph) return html`<p>Drawing the app…</p>`;
  if (!graph.svg) return html`<p class="empty">No diagram of this app${problem ? `: ${problem}` : ''}.</p>`;
  return html`<section class="wiring"><p class="note">As <code>lambdakit graph</code> draws it. Under each function: its warm environments and its last invocation; outlined green while it has warm environments, red (or amber) when its last invocation failed (partly).</p><div class="diagram" ref=${holder} dangerouslySetInnerHTML=${{ __html: graph.svg }}></div></section>`;
}

function App() {
  const [tab, setTab] = useState('invocations');
  const [feed, setFeed] = useState([]);
  const [functions, setFunctions] = useState([]);
  const [sources, setSources] = useState(null);
  const [openId, setOpenId] = useState(null);
  const [live, setLive] = useState(false);
  const [tick, setTick] = useState(0);
  const [hasGraph, setHasGraph] = useState(false);

  useEffect(() => {
    getJson('/api/event-sources').then(setSources, () => undefined);
    getJson('/api/info').then((info) => setHasGraph(info.wiring), () => undefined);
    const stream = new EventSource('/api/stream');
    // On every (re)connection the feed is read whole: nothing missed while disconnected.
    stream.onopen = () => {
      setLive(true);
      getJson('/api/invocations').then(setFeed, () => undefined);
    };
    stream.onerror = () => setLive(false);
    stream.addEventListener('invocation', (e) => {
      const invocation = JSON.parse(e.data);
      setFeed((previous) => (previous.some((p) => p.id === invocation.id) ? previous : [invocation, ...previous].slice(0, MAX_FEED)));
      setTick((t) => t + 1);
    });
    stream.addEventListener('functions', (e) => setFunctions(JSON.parse(e.data)));
    return () => stream.close();
  }, []);

  // The dead letters are read again at most once a second while invocations arrive.
  const [deadTick, setDeadTick] = useState(0);
  useEffect(() => {
    const timer = setTimeout(() => setDeadTick(tick), 1000);
    return () => clearTimeout(timer);
  }, [tick]);

  const tabs = [['invocations', 'Invocations'], ['invoke', 'Invoke'], ['dead-letters', 'Dead letters'], ['resources', 'Resources'], ...(hasGraph ? [['wiring', 'Wiring']] : [])];
  return html`
    <header>
      <h1>lambdakit dev</h1>
      <nav>${tabs.map(([id, label]) => html`<button class=${`tab ${tab === id ? 'active' : ''}`} name=${`tab-${id}`} onClick=${() => setTab(id)}>${label}</button>`)}</nav>
      <span class=${`live ${live ? 'on' : 'off'}`}>${live ? '● live' : '○ reconnecting…'}</span>
    </header>
    <main>
      ${tab === 'invocations'
        ? html`<div class=${`split ${openId ? 'with-detail' : ''}`}>
            <div><${Feed} feed=${feed} functions=${functions} onOpen=${setOpenId} openId=${openId} /><${Functions} functions=${functions} /></div>
            ${openId ? html`<${Detail} id=${openId} onClose=${() => setOpenId(null)} onReplayed=${setOpenId} />` : null}
          </div>`
        : null}
      ${tab === 'invoke' ? html`<${Invoke} functions=${functions} sources=${sources} />` : null}
      ${tab === 'dead-letters' ? html`<${DeadLetters} tick=${deadTick} />` : null}
      ${tab === 'resources' ? html`<${Resources} />` : null}
      ${tab === 'wiring' ? html`<${Wiring} functions=${functions} />` : null}
    </main>`;
}

const root = document.getElementById('app');
// The page's "Loading…" placeholder goes: Preact renders into what is there otherwise.
root.textContent = '';
render(html`<${App} />`, root);
