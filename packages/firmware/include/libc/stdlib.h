/* stdlib.h of the firmware C library: a heap in the core's own memory, exit, a few conversions. */
#ifndef RPMSG_SOC_STDLIB_H
#define RPMSG_SOC_STDLIB_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#define RAND_MAX 0x7fffffff
void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);
__attribute__((noreturn)) void exit(int code);
__attribute__((noreturn)) void abort(void);
int abs(int x);
long labs(long x);
int atoi(const char *s);
long strtol(const char *restrict s, char **restrict end, int base);
unsigned long strtoul(const char *restrict s, char **restrict end, int base);
int rand(void);
void srand(unsigned seed);
#ifdef __cplusplus
}
#endif
#endif
