import { describe, expect, it } from 'vitest';
import { benchSerial } from './bench-serial.js';

describe('benchSerial', () => {
  it('keeps a 115200 and a 921600 baud line busy with 496-byte messages (window covers the ack turnaround)', () => {
    const results = benchSerial({ payloads: [16, 496], messages: 200 });
    console.table(
      results.map((r) => ({
        baud: r.baudRate,
        payload: r.payload,
        'msg/s': Math.round(r.msgsPerSec),
        'KiB/s': (r.payloadBytesPerSec / 1024).toFixed(1),
        efficiency: `${(r.lineEfficiency * 100).toFixed(1)} %`,
        'wire B/msg': r.wireBytesPerMessage.toFixed(1),
      })),
    );
    for (const r of results) {
      expect(r.messages).toBe(200);
      expect(r.retransmits).toBe(0);
      // Wire bytes per message: payload + RPMsg header 16 + frame 8 + COBS + delimiter, nothing else.
      expect(r.wireBytesPerMessage).toBeLessThanOrEqual(r.payload + r.overheadBytes);
      const ideal = r.payload / r.wireBytesPerMessage;
      expect(r.lineEfficiency).toBeGreaterThan(ideal * 0.9);
      expect(r.lineEfficiency).toBeLessThanOrEqual(ideal + 1e-9);
    }
    const big = results.filter((r) => r.payload === 496);
    expect(big[1]!.payloadBytesPerSec / big[0]!.payloadBytesPerSec).toBeCloseTo(8, 0);
  });

  it('still delivers everything through noise, paying for it in retransmissions', () => {
    const [r] = benchSerial({
      baudRates: [115200],
      payloads: [128],
      messages: 200,
      noise: { corrupt: 0.001, seed: 3 },
    });
    expect(r!.messages).toBe(200);
    expect(r!.retransmits).toBeGreaterThan(0);
  });
});
