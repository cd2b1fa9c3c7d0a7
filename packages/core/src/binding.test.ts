import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Binding, type BindingHost, type BindingOptions } from './binding.js';
import { Channel } from './channel.js';
import { RPMSG_ADDR_ANY, RPMSG_NS_DESTROY } from './constants.js';
import type { Endpoint } from './endpoint.js';
import { RpmsgError } from './errors.js';
import { FakeClock } from './testing/index.js';

const ANY = RPMSG_ADDR_ANY;
const PEER_GONE = new RpmsgError('ERR_RPMSG_PEER_GONE', 'the peer restarted');
const CHANNEL_GONE = new RpmsgError('ERR_RPMSG_CHANNEL_GONE', "the peer destroyed channel 'svc'");

/**
 * A binding of endpoint 1024 on a fake link that records what the binding does: the messages it
 * sends (`NS CREATE`, `NS DESTROY`, `hello → dst`), the events it emits (`bound 40`,
 * `unbound ERR_…`, `close`) and the end of its endpoint (`forget`: address freed, sends ended).
 */
function harness(options: Partial<BindingOptions> = {}, link = { up: false, ns: true }) {
  const actions: string[] = [];
  class RecordingEndpoint extends EventEmitter {
    readonly addr = 1024;
    override emit(event: string, ...args: unknown[]): boolean {
      const [arg] = args;
      actions.push(arg instanceof RpmsgError ? `${event} ${arg.code}` : [event, ...args].join(' '));
      return super.emit(event, ...args);
    }
  }
  const ep = new RecordingEndpoint() as unknown as Endpoint;
  const host: BindingHost = {
    clock: new FakeClock(),
    get isUp() {
      return link.up;
    },
    get hasNameService() {
      return link.ns;
    },
    sender: {
      send(_ep, dst) {
        actions.push(`hello → ${dst}`);
        return Promise.resolve();
      },
      sendNs(_src, _name, flags) {
        actions.push(flags & RPMSG_NS_DESTROY ? 'NS DESTROY' : 'NS CREATE');
      },
      endpointDestroyed() {
        actions.push('forget');
      },
    },
    endpoints: { delete() {} },
    destroyedError: () => new RpmsgError('ERR_RPMSG_ENDPOINT_DESTROYED', 'destroyed'),
  };
  const binding = new Binding(ep, host, {
    dst: ANY,
    nameBytes: new TextEncoder().encode('svc'),
    announce: true,
    hello: true,
    ...options,
  });
  return { binding, actions, link };
}

type Harness = ReturnType<typeof harness>;

/** `state [dst] [+NS]`: the state, the destination when there is one, `+NS` once NS CREATE went out. */
function show({ binding }: Harness): string {
  const dst = binding.dst === ANY ? '' : ` ${binding.dst}`;
  return `${binding.state}${dst}${binding.announced ? ' +NS' : ''}`;
}

/** The channel at 40 every row's `nsDestroy` names; some states were opened on it. */
let channel = new Channel('svc', 40);

const UP = { up: true, ns: true };

/** The start states, each reached from a fresh binding as the device would get there. */
const STATES: Record<string, () => Harness> = {
  // A named service waiting for the peer (dst option ANY, hello on): created while the link is down…
  'unbound · link down': () => harness(),
  // …or while it is up (NS CREATE went out).
  'unbound +NS · link up': () => {
    const h = harness({}, { ...UP });
    h.binding.open();
    return h;
  },
  'bound 40 · link down': () => {
    const h = harness();
    h.binding.setDst(40);
    return h;
  },
  'greeted 50 +NS · link up': () => {
    const h = harness({}, { ...UP });
    h.binding.open();
    h.binding.setDst(50);
    return h;
  },
  // What openChannel makes: createEndpoint({ dst: 40, announce: false, hello: false }), then the channel.
  'greeted 40 · on channel 40 · link up': () => {
    const h = harness({ dst: 40, announce: false, nameBytes: null, hello: false }, { ...UP });
    h.binding.open();
    h.binding.openOnChannel(channel, true);
    return h;
  },
  'destroyed 40 · link up': () => {
    const h = harness({}, { ...UP });
    h.binding.open();
    h.binding.setDst(40);
    h.binding.destroy();
    return h;
  },
};

/** The transitions, as the link and the device call them (link up / down after the link's own flag). */
const EVENTS: Record<string, (h: Harness) => void> = {
  open: (h) => h.binding.open(),
  'openOnChannel(40, hello)': (h) => h.binding.openOnChannel(channel, true),
  'setDst(70)': (h) => h.binding.setDst(70),
  'setDst(ANY)': (h) => h.binding.setDst(ANY),
  'firstMessage(60)': (h) => h.binding.firstMessage(60),
  linkUp: (h) => {
    h.link.up = true;
    h.binding.linkUp();
  },
  linkDown: (h) => {
    h.link.up = false;
    h.binding.linkDown(PEER_GONE);
  },
  'nsDestroy(channel 40)': (h) => h.binding.nsDestroy(channel, 40, CHANNEL_GONE),
  destroy: (h) => h.binding.destroy(),
};

// state · event · next state · what the binding did, in order
const TABLE: [string, string, string, string[]][] = [
  ['unbound · link down', 'open', 'unbound', []],
  ['unbound · link down', 'openOnChannel(40, hello)', 'unbound', []],
  ['unbound · link down', 'setDst(70)', 'bound 70', ['bound 70']],
  ['unbound · link down', 'setDst(ANY)', 'unbound', []],
  ['unbound · link down', 'firstMessage(60)', 'greeted 60', ['bound 60']],
  ['unbound · link down', 'linkUp', 'unbound +NS', ['NS CREATE']],
  ['unbound · link down', 'linkDown', 'unbound', []],
  ['unbound · link down', 'nsDestroy(channel 40)', 'unbound', []],
  ['unbound · link down', 'destroy', 'destroyed', ['forget', 'close']],

  ['unbound +NS · link up', 'open', 'unbound +NS', []],
  ['unbound +NS · link up', 'openOnChannel(40, hello)', 'unbound +NS', []],
  ['unbound +NS · link up', 'setDst(70)', 'greeted 70 +NS', ['bound 70', 'hello → 70']],
  ['unbound +NS · link up', 'setDst(ANY)', 'unbound +NS', []],
  ['unbound +NS · link up', 'firstMessage(60)', 'greeted 60 +NS', ['bound 60']],
  ['unbound +NS · link up', 'linkUp', 'unbound +NS', []],
  ['unbound +NS · link up', 'linkDown', 'unbound', []],
  ['unbound +NS · link up', 'nsDestroy(channel 40)', 'unbound +NS', []],
  ['unbound +NS · link up', 'destroy', 'destroyed', ['forget', 'NS DESTROY', 'close']],

  ['bound 40 · link down', 'open', 'bound 40', []],
  ['bound 40 · link down', 'openOnChannel(40, hello)', 'greeted 40', []],
  ['bound 40 · link down', 'setDst(70)', 'bound 70', []],
  ['bound 40 · link down', 'setDst(ANY)', 'unbound', []],
  ['bound 40 · link down', 'firstMessage(60)', 'bound 40', []],
  ['bound 40 · link down', 'linkUp', 'greeted 40 +NS', ['NS CREATE', 'hello → 40']],
  ['bound 40 · link down', 'linkDown', 'unbound', ['unbound ERR_RPMSG_PEER_GONE']],
  ['bound 40 · link down', 'nsDestroy(channel 40)', 'unbound', ['unbound ERR_RPMSG_CHANNEL_GONE']],
  ['bound 40 · link down', 'destroy', 'destroyed 40', ['forget', 'close']],

  ['greeted 50 +NS · link up', 'open', 'greeted 50 +NS', []],
  ['greeted 50 +NS · link up', 'openOnChannel(40, hello)', 'greeted 50 +NS', []],
  ['greeted 50 +NS · link up', 'setDst(70)', 'greeted 70 +NS', ['hello → 70']],
  ['greeted 50 +NS · link up', 'setDst(ANY)', 'unbound +NS', []],
  ['greeted 50 +NS · link up', 'firstMessage(60)', 'greeted 50 +NS', []],
  ['greeted 50 +NS · link up', 'linkUp', 'greeted 50 +NS', []],
  ['greeted 50 +NS · link up', 'linkDown', 'unbound', ['unbound ERR_RPMSG_PEER_GONE']],
  ['greeted 50 +NS · link up', 'nsDestroy(channel 40)', 'greeted 50 +NS', []],
  ['greeted 50 +NS · link up', 'destroy', 'destroyed 50', ['forget', 'NS DESTROY', 'close']],

  // Opened on a channel: the channel, not the address, is what a link down or its NS DESTROY ends.
  ['greeted 40 · on channel 40 · link up', 'open', 'greeted 40', []],
  ['greeted 40 · on channel 40 · link up', 'openOnChannel(40, hello)', 'greeted 40', []],
  ['greeted 40 · on channel 40 · link up', 'setDst(70)', 'greeted 70', ['hello → 70']],
  ['greeted 40 · on channel 40 · link up', 'setDst(ANY)', 'unbound', []],
  ['greeted 40 · on channel 40 · link up', 'firstMessage(60)', 'greeted 40', []],
  ['greeted 40 · on channel 40 · link up', 'linkUp', 'greeted 40', []],
  ['greeted 40 · on channel 40 · link up', 'linkDown', 'unbound', ['unbound ERR_RPMSG_PEER_GONE']],
  [
    'greeted 40 · on channel 40 · link up',
    'nsDestroy(channel 40)',
    'unbound',
    ['unbound ERR_RPMSG_CHANNEL_GONE'],
  ],
  ['greeted 40 · on channel 40 · link up', 'destroy', 'destroyed 40', ['forget', 'close']],

  // Destroyed is final: the dst setter still stores a value, nothing else happens.
  ['destroyed 40 · link up', 'open', 'destroyed 40', []],
  ['destroyed 40 · link up', 'openOnChannel(40, hello)', 'destroyed 40', []],
  ['destroyed 40 · link up', 'setDst(70)', 'destroyed 70', []],
  ['destroyed 40 · link up', 'setDst(ANY)', 'destroyed', []],
  ['destroyed 40 · link up', 'firstMessage(60)', 'destroyed 40', []],
  ['destroyed 40 · link up', 'linkUp', 'destroyed 40', []],
  ['destroyed 40 · link up', 'linkDown', 'destroyed 40', []],
  ['destroyed 40 · link up', 'nsDestroy(channel 40)', 'destroyed 40', []],
  ['destroyed 40 · link up', 'destroy', 'destroyed 40', []],
];

describe('Binding', () => {
  it('the table names every state × every transition once', () => {
    const pairs = TABLE.map(([state, event]) => `${state} × ${event}`);
    const all = Object.keys(STATES).flatMap((s) => Object.keys(EVENTS).map((e) => `${s} × ${e}`));
    expect(pairs).toEqual(all);
  });

  describe.each(Object.keys(STATES))('from %s', (start) => {
    it.each(
      TABLE.filter(([state]) => state === start).map(([, event, next, actions]) => ({
        event,
        next,
        actions,
      })),
    )('$event → $next, does $actions', ({ event, next, actions }) => {
      channel = new Channel('svc', 40);
      const h = STATES[start]!();
      expect(show(h)).toBe(start.split(' · ')[0]!.trim());
      h.actions.length = 0;
      EVENTS[event]!(h);
      expect(show(h)).toBe(next);
      expect(h.actions).toEqual(actions);
    });
  });

  describe('with other options', () => {
    it('a `dst` option is where a link down returns, quietly when nothing else bound it', () => {
      const h = harness({ dst: 30 }, { up: true, ns: true });
      h.binding.open();
      expect([show(h), ...h.actions]).toEqual(['greeted 30 +NS', 'NS CREATE', 'hello → 30']);
      h.actions.length = 0;
      h.link.up = false;
      h.binding.linkDown(PEER_GONE);
      expect([show(h), ...h.actions]).toEqual(['bound 30']);
      h.link.up = true;
      // The peer restarted: announce and greet again (docs/interop.md "Restart and resync").
      h.binding.linkUp();
      expect([show(h), ...h.actions]).toEqual(['greeted 30 +NS', 'NS CREATE', 'hello → 30']);
      h.actions.length = 0;
      h.binding.setDst(70);
      h.link.up = false;
      h.binding.linkDown(PEER_GONE);
      expect([show(h), ...h.actions]).toEqual(['bound 30', 'hello → 70', 'unbound ERR_RPMSG_PEER_GONE']);
    });

    it('without `hello` a destination stays bound: no hello goes out', () => {
      const h = harness({ dst: 30, hello: false }, { up: true, ns: true });
      h.binding.open();
      h.binding.setDst(70);
      expect([show(h), ...h.actions]).toEqual(['bound 70 +NS', 'NS CREATE']);
    });

    it('opened on a channel without hello, a dst set by hand is not greeted either', () => {
      const h = harness({ dst: 40, hello: false, announce: false, nameBytes: null }, { up: true, ns: true });
      h.binding.open();
      h.binding.openOnChannel(channel, false);
      h.binding.setDst(70);
      expect([show(h), ...h.actions]).toEqual(['bound 70']);
    });

    it('announces nothing without a name, without `announce`, or when the peer has no name service', () => {
      for (const [options, ns] of [
        [{ nameBytes: null, announce: false }, true],
        [{ announce: false }, true],
        [{}, false],
      ] as const) {
        const h = harness(options, { up: true, ns });
        h.binding.open();
        h.binding.destroy();
        expect(h.actions).toEqual(['forget', 'close']);
      }
    });

    it('sends no NS DESTROY when the link went down between the announcement and the destroy', () => {
      const h = harness({}, { up: true, ns: true });
      h.binding.open();
      h.link.up = false; // the link's flag drops before the transport reports the down
      h.binding.destroy();
      expect(h.actions).toEqual(['NS CREATE', 'forget', 'close']);
    });
  });

  it("a channel's NS DESTROY unbinds the endpoint opened on it, whatever its dst is now", () => {
    const h = STATES['greeted 40 · on channel 40 · link up']!();
    h.binding.setDst(70);
    h.actions.length = 0;
    h.binding.nsDestroy(channel, 40, CHANNEL_GONE);
    expect([show(h), ...h.actions]).toEqual(['unbound', 'unbound ERR_RPMSG_CHANNEL_GONE']);
  });

  describe('#waitForBound', () => {
    it('resolves with the destination once bound, at once if bound already', async () => {
      const h = harness();
      const bound = h.binding.waitForBound(undefined);
      h.binding.firstMessage(60);
      await expect(bound).resolves.toBe(60);
      await expect(h.binding.waitForBound(undefined)).resolves.toBe(60);
    });

    it('rejects with the destroyed error once destroyed, and for a destroyed binding', async () => {
      const h = harness();
      const wait = h.binding.waitForBound(undefined);
      h.binding.destroy();
      await expect(wait).rejects.toMatchObject({ code: 'ERR_RPMSG_ENDPOINT_DESTROYED' });
      await expect(h.binding.waitForBound(undefined)).rejects.toMatchObject({
        code: 'ERR_RPMSG_ENDPOINT_DESTROYED',
      });
    });
  });
});
