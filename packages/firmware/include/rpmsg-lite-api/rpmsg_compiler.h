/*
 * rpmsg_compiler.h — compiler glue of RPMsg-Lite's API (API mode of @rpmsg/firmware).
 *
 * RPMsg-Lite keeps its packing and barrier macros here; firmware that packs its own message
 * structs with RL_PACKED_BEGIN / RL_PACKED_END finds them under the same names. Clang for wasm32
 * is a GNU C compiler, so the GNU spelling applies.
 */
#ifndef RPMSG_COMPILER_H_
#define RPMSG_COMPILER_H_

/* Every core of the SoC shares one WebAssembly memory: a sequentially consistent fence orders
   plain accesses around it as a DSB does on an MCU. */
#define MEM_BARRIER() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#ifndef RL_PACKED_BEGIN
#define RL_PACKED_BEGIN
#endif

#ifndef RL_PACKED_END
#define RL_PACKED_END __attribute__((__packed__))
#endif

#endif /* RPMSG_COMPILER_H_ */
