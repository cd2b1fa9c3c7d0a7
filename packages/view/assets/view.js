// The page of `rpmsg view`: renders frames pushed on /events. No framework, no network but this
// server. Everything that came from shared memory is put in with textContent; only the server's own
// SVG (numbers and escaped text) goes in as markup.

const $ = (id) => document.getElementById(id);
let paused = false;
let current = null; // the frame on screen
let selected = null; // { vring, desc }

const owners = {
  available: 'available to the device',
  'in-flight': 'in flight (taken by the device)',
  used: 'used / returned',
  held: 'free or held by a program',
};

function render(frame) {
  current = frame;
  $('seq').textContent = String(frame.seq);
  const state = $('state');
  state.textContent = frame.state ?? 'static';
  state.className = `state ${frame.state ?? ''}`;
  const err = $('error');
  err.hidden = !frame.error;
  err.textContent = frame.error ?? '';
  $('rings').innerHTML = frame.svg ?? '<p>no shared memory to show</p>';
  renderHeads(frame.rings);
  renderChannels(frame.channels);
  renderEvents(frame.events);
  renderLayout(frame.layout);
  if (selected) showDetail(selected.vring, selected.desc);
}

function cell(row, text, cls) {
  const td = document.createElement('td');
  td.textContent = String(text);
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

function renderHeads(rings) {
  const body = $('heads');
  body.replaceChildren();
  $('txfree-master').textContent = rings?.txFree.master ?? '–';
  $('txfree-remote').textContent = rings?.txFree.remote ?? '–';
  for (const v of rings?.vrings ?? []) {
    const tr = document.createElement('tr');
    tr.dataset.vring = v.name;
    cell(tr, v.name);
    cell(tr, v.direction === 'remote-to-master' ? 'remote → master' : 'master → remote');
    cell(tr, `idx ${v.avail.idx} (slot ${v.avail.head})`, 'avail-head');
    cell(tr, `idx ${v.used.idx} (slot ${v.used.head})`, 'used-head');
    cell(tr, v.notify.kickOnAvail ? 'yes' : 'no', 'kick');
    cell(tr, v.notify.interruptOnUsed ? 'yes' : 'no', 'irq');
    cell(
      tr,
      v.notify.mode === 'event-idx'
        ? `event idx (avail ${v.notify.availEvent}, used ${v.notify.usedEvent})`
        : 'flags',
    );
    body.appendChild(tr);
  }
  const problems = $('problems');
  problems.replaceChildren();
  for (const p of rings?.problems ?? []) {
    const li = document.createElement('li');
    li.textContent = `${p.code}: ${p.message}`;
    problems.appendChild(li);
  }
}

function sparkline(history, cls, max) {
  const poly = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  const n = Math.max(1, history.length - 1);
  poly.setAttribute(
    'points',
    history.map((v, i) => `${((i / n) * 80).toFixed(1)},${(19 - (v / max) * 18).toFixed(1)}`).join(' '),
  );
  poly.setAttribute('class', cls);
  return poly;
}

function renderChannels(channels) {
  const body = $('channels');
  body.replaceChildren();
  for (const c of channels) {
    const tr = document.createElement('tr');
    tr.className = 'channel';
    tr.dataset.core = c.core;
    tr.dataset.addr = String(c.addr);
    cell(tr, c.core);
    cell(tr, c.addr, 'num addr');
    cell(tr, c.name ?? '');
    cell(tr, c.dst ?? '', 'num');
    cell(tr, c.sent, 'num sent');
    cell(tr, c.received, 'num received');
    cell(tr, c.dropped, 'num dropped');
    cell(tr, c.sentRate.toFixed(0), 'num');
    cell(tr, c.receivedRate.toFixed(0), 'num');
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('viewBox', '0 0 80 20');
    const max = Math.max(1, ...c.sentHistory, ...c.receivedHistory);
    svg.append(sparkline(c.sentHistory, 'tx', max), sparkline(c.receivedHistory, 'rx', max));
    const td = document.createElement('td');
    td.appendChild(svg);
    tr.appendChild(td);
    body.appendChild(tr);
  }
}

function renderEvents(events) {
  const list = $('events');
  list.replaceChildren();
  for (const e of events) {
    const li = document.createElement('li');
    li.className = `event ${e.event}`;
    li.dataset.event = e.event;
    li.textContent = `${new Date(e.t).toLocaleTimeString()} ${e.event}${e.detail ? ` — ${e.detail}` : ''}`;
    list.appendChild(li);
  }
}

function renderLayout(layout) {
  $('layout').textContent = layout
    ? `layout ${layout.profile}: base ${layout.base}, ${layout.size} bytes, ${layout.bufferSize}-byte buffers, ` +
      layout.vrings.map((v) => `${v.name} at ${v.da} (${v.num})`).join(', ') +
      (layout.eventIdx ? ', event idx' : '')
    : '';
}

function showDetail(vring, desc) {
  const v = current?.rings?.vrings.find((r) => r.name === vring);
  const b = v?.buffers[desc];
  if (!v || !b) {
    $('detail').hidden = true;
    return;
  }
  for (const el of document.querySelectorAll('.desc.selected')) el.classList.remove('selected');
  document.querySelector(`.desc[data-vring="${vring}"][data-desc="${desc}"]`)?.classList.add('selected');
  $('detail').hidden = false;
  $('detail-title').textContent = `${vring} descriptor ${desc}`;
  $('detail-owner').textContent = owners[v.owners[desc]] ?? v.owners[desc];
  $('detail-addr').textContent = b.addr;
  $('detail-len').textContent = String(b.len);
  const h = b.header;
  $('detail-src').textContent = h ? String(h.src) : '(outside the image)';
  $('detail-dst').textContent = h ? String(h.dst) : '';
  $('detail-hlen').textContent = h ? String(h.len) : '';
  $('detail-flags').textContent = h ? `0x${h.flags.toString(16)}` : '';
  $('detail-payload').textContent = b.payload || '(empty)';
}

$('rings').addEventListener('click', (event) => {
  const g = event.target.closest?.('[data-desc]');
  if (!g) return;
  selected = { vring: g.dataset.vring, desc: Number(g.dataset.desc) };
  showDetail(selected.vring, selected.desc);
});

$('pause').addEventListener('click', () => {
  paused = !paused;
  $('pause').textContent = paused ? 'Resume' : 'Pause';
  $('pause').setAttribute('aria-pressed', String(paused));
  $('step').disabled = !paused;
});

$('step').addEventListener('click', async () => {
  try {
    const res = await fetch('frame', { cache: 'no-store' });
    if (res.ok) render(await res.json());
  } catch {
    // The server went away; the next frame on /events (after it is back) says so.
  }
});

const events = new EventSource('events');
events.addEventListener('frame', (message) => {
  if (!paused) render(JSON.parse(message.data));
});
events.addEventListener('error', () => {
  $('state').textContent = 'disconnected';
  $('state').className = 'state';
});
