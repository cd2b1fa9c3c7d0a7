import { describe, expect, it } from 'vitest';
import type { Endpoint } from './endpoint.js';
import { EndpointTable } from './endpoint-table.js';

/** The table only reads `addr` of what it stores. */
const fake = (addr: number) => ({ addr }) as Endpoint;

describe('EndpointTable#allocate', () => {
  it('starts at 1024 and gives the next address after the last one, not the lowest free one', () => {
    const table = new EndpointTable();
    const a = fake(table.allocate());
    table.add(a);
    table.add(fake(table.allocate()));
    table.delete(a);
    expect(a.addr).toBe(1024);
    expect(table.allocate()).toBe(1026);
  });

  it('wraps at the end of the range and skips the addresses in use', () => {
    const table = new EndpointTable(1024, 1027);
    const eps = [1024, 1025, 1026, 1027].map(() => {
      const ep = fake(table.allocate());
      table.add(ep);
      return ep;
    });
    expect(eps.map((e) => e.addr)).toEqual([1024, 1025, 1026, 1027]);
    table.delete(eps[1]!);
    table.delete(eps[3]!);
    expect(table.allocate()).toBe(1025); // wrapped, 1024 still taken
    table.add(fake(1025));
    expect(table.allocate()).toBe(1027);
  });

  it('throws ERR_RPMSG_NO_ADDR when every dynamic address is taken', () => {
    const table = new EndpointTable(1024, 1025);
    table.add(fake(table.allocate()));
    table.add(fake(table.allocate()));
    expect(() => table.allocate()).toThrow(expect.objectContaining({ code: 'ERR_RPMSG_NO_ADDR', limit: 2 }));
  });

  it('frees an address only for the endpoint registered there', () => {
    const table = new EndpointTable();
    const ep = fake(table.allocate());
    table.add(ep);
    table.delete(fake(ep.addr)); // a stale endpoint with the same address
    expect(table.get(ep.addr)).toBe(ep);
    table.delete(ep);
    expect(table.has(ep.addr)).toBe(false);
  });
});
