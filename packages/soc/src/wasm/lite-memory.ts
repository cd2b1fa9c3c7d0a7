/**
 * The firmware's memory as the "rpmsg_lite" imports read it. Pointers and lengths from C are
 * untrusted: every range is checked against the memory before a view or a copy touches it, and a
 * bad one becomes RL_ERR_PARAM in the caller, never a JS exception. The memory never grows (the SoC
 * makes it with initial = maximum), so one view serves the core's life.
 */
export class CMemory {
  /** The whole memory; a pointer from C is an index into it. */
  readonly u8: Uint8Array;
  readonly #view: DataView;

  constructor(memory: WebAssembly.Memory) {
    this.u8 = new Uint8Array(memory.buffer);
    this.#view = new DataView(memory.buffer);
  }

  /** True when [ptr, ptr + len) is inside the memory and ptr is not NULL. */
  has(ptr: number, len: number): boolean {
    const p = ptr >>> 0;
    return p !== 0 && p + (len >>> 0) <= this.u8.length;
  }

  /** The u32 at `ptr` (checked by the caller). */
  u32(ptr: number): number {
    return this.#view.getUint32(ptr, true);
  }

  /** Copies `len` bytes from `src` to `dst` inside the memory (both checked by the caller). */
  copy(dst: number, src: number, len: number): void {
    if (dst !== src) this.u8.copyWithin(dst, src, src + len);
  }

  /**
   * The bytes of a NUL-terminated C string at `ptr`, at most `max` of them (the terminator or the
   * limit ends it), copied; `null` when `ptr` is out of the memory.
   */
  cString(ptr: number, max: number): Uint8Array | null {
    const p = ptr >>> 0;
    if (!this.has(p, 1)) return null;
    const end = Math.min(p + max, this.u8.length);
    const nul = this.u8.subarray(p, end).indexOf(0);
    return this.u8.slice(p, nul < 0 ? end : p + nul);
  }

  /** Writes `bytes` and a NUL at `ptr` (checked by the caller for bytes.length + 1). */
  writeCString(ptr: number, bytes: Uint8Array): void {
    this.u8.set(bytes, ptr);
    this.u8[ptr + bytes.length] = 0;
  }
}
