/* stdio.h of the firmware C library: formatted output to the core's log (rpmsg_soc_log), no files. */
#ifndef RPMSG_SOC_STDIO_H
#define RPMSG_SOC_STDIO_H
#include <stdarg.h>
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
typedef struct rpmsg_soc_file FILE;
extern FILE *const stdout;
extern FILE *const stderr;
#define EOF (-1)
/* Output is line-buffered: a line reaches the log at '\n', when 255 bytes are waiting, or at fflush. */
int printf(const char *restrict format, ...) __attribute__((format(printf, 1, 2)));
int fprintf(FILE *restrict stream, const char *restrict format, ...) __attribute__((format(printf, 2, 3)));
int vprintf(const char *restrict format, va_list ap);
int vfprintf(FILE *restrict stream, const char *restrict format, va_list ap);
int sprintf(char *restrict buf, const char *restrict format, ...) __attribute__((format(printf, 2, 3)));
int snprintf(char *restrict buf, size_t size, const char *restrict format, ...)
    __attribute__((format(printf, 3, 4)));
int vsnprintf(char *restrict buf, size_t size, const char *restrict format, va_list ap);
int puts(const char *s);
int fputs(const char *restrict s, FILE *restrict stream);
int putchar(int c);
int fputc(int c, FILE *stream);
#define putc fputc
int fflush(FILE *stream);
#ifdef __cplusplus
}
#endif
#endif
