/* assert.h of the firmware C library: a failed assertion stops the core with a crash that names it. */
#include "rpmsg_soc.h"
#undef assert
#ifdef NDEBUG
#define assert(expr) ((void)0)
#else
#define assert(expr) ((expr) ? (void)0 : rpmsg_soc_assert_fail(#expr, __FILE__, __LINE__, __func__))
#endif
