/*
 * The firmware C library: the parts of string.h, stdio.h and stdlib.h a firmware uses, over the
 * SoC's interface (rpmsg_soc.h). Small on purpose: no files, no locale, no threads. Compiled with
 * every firmware by `rpmsg build-firmware`, with the same flags, so a firmware needs nothing else.
 */
#include "rpmsg_soc.h"
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- string.h: bulk-memory instructions do the work (memory.copy / memory.fill) ---- */

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    return __builtin_memcpy(dst, src, n);
}

void *memmove(void *dst, const void *src, size_t n)
{
    return __builtin_memmove(dst, src, n);
}

void *memset(void *dst, int c, size_t n)
{
    return __builtin_memset(dst, c, n);
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i]) return x[i] - y[i];
    return 0;
}

void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    for (size_t i = 0; i < n; i++)
        if (p[i] == (unsigned char)c) return (void *)(p + i);
    return NULL;
}

size_t strlen(const char *s)
{
    const char *p = s;
    while (*p) p++;
    return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n]) n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n > 0; n--, a++, b++) {
        if (*a != *b || *a == '\0') return (unsigned char)*a - (unsigned char)*b;
    }
    return 0;
}

char *strcpy(char *restrict dst, const char *restrict src)
{
    char *d = dst;
    while ((*d++ = *src++)) {}
    return dst;
}

char *strncpy(char *restrict dst, const char *restrict src, size_t n)
{
    size_t i = 0;
    for (; i < n && src[i]; i++) dst[i] = src[i];
    for (; i < n; i++) dst[i] = '\0';
    return dst;
}

char *strcat(char *restrict dst, const char *restrict src)
{
    strcpy(dst + strlen(dst), src);
    return dst;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c) return (char *)s;
        if (*s == '\0') return NULL;
    }
}

char *strrchr(const char *s, int c)
{
    const char *last = NULL;
    for (;; s++) {
        if (*s == (char)c) last = s;
        if (*s == '\0') return (char *)last;
    }
}

char *strstr(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    for (; *haystack; haystack++)
        if (strncmp(haystack, needle, n) == 0) return (char *)haystack;
    return n == 0 ? (char *)haystack : NULL;
}

/* ---- formatted output ---- */

/* Where formatted characters go: a bounded buffer (snprintf) or a stream (printf). */
struct sink {
    char *buf;
    size_t size;
    size_t len; /* characters produced, also past `size` (snprintf's return value) */
    FILE *stream;
};

struct rpmsg_soc_file {
    char line[256];
    size_t used;
};

static struct rpmsg_soc_file stdout_file, stderr_file;
FILE *const stdout = &stdout_file;
FILE *const stderr = &stderr_file;

int fflush(FILE *stream)
{
    if (stream == NULL) {
        fflush(stdout);
        return fflush(stderr);
    }
    if (stream->used > 0) rpmsg_soc_log(stream->line, stream->used);
    stream->used = 0;
    return 0;
}

int fputc(int c, FILE *stream)
{
    stream->line[stream->used++] = (char)c;
    if (c == '\n' || stream->used == sizeof stream->line - 1) fflush(stream);
    return (unsigned char)c;
}

int putchar(int c)
{
    return fputc(c, stdout);
}

int fputs(const char *restrict s, FILE *restrict stream)
{
    while (*s) fputc(*s++, stream);
    return 0;
}

int puts(const char *s)
{
    fputs(s, stdout);
    return fputc('\n', stdout) == EOF ? EOF : 0;
}

static void put(struct sink *out, char c)
{
    if (out->stream) fputc(c, out->stream);
    else if (out->len + 1 < out->size) out->buf[out->len] = c;
    out->len++;
}

static void put_repeat(struct sink *out, char c, int n)
{
    while (n-- > 0) put(out, c);
}

struct spec {
    bool left, plus, space, alt, zero;
    int width;
    int precision; /* -1: none */
};

/* Writes `digits` (already converted, most significant first) with sign, prefix, padding. */
static void put_number(struct sink *out, const struct spec *s, const char *digits, int ndigits, const char *prefix)
{
    int nprefix = (int)strlen(prefix);
    int zeros = s->precision > ndigits ? s->precision - ndigits : 0;
    if (s->precision == 0 && ndigits == 1 && digits[0] == '0') ndigits = 0; /* "%.0d" of 0 prints nothing */
    int body = nprefix + zeros + ndigits;
    int pad = s->width > body ? s->width - body : 0;
    if (!s->left && !(s->zero && s->precision < 0)) put_repeat(out, ' ', pad);
    for (int i = 0; i < nprefix; i++) put(out, prefix[i]);
    if (!s->left && s->zero && s->precision < 0) put_repeat(out, '0', pad);
    put_repeat(out, '0', zeros);
    for (int i = 0; i < ndigits; i++) put(out, digits[i]);
    if (s->left) put_repeat(out, ' ', pad);
}

static int to_digits(char *buf, unsigned long long v, unsigned base, bool upper)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = set[v % base];
        v /= base;
    } while (v != 0);
    for (int i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    return n;
}

static void put_fixed(struct sink *out, const struct spec *s, double v)
{
    char digits[48];
    int n = 0;
    const char *prefix = "";
    if (v != v) {
        put_number(out, s, "nan", 3, "");
        return;
    }
    if (v < 0) {
        prefix = "-";
        v = -v;
    } else if (s->plus) prefix = "+";
    else if (s->space) prefix = " ";
    if (v > 1e18) {
        put_number(out, s, "inf", 3, prefix);
        return;
    }
    int precision = s->precision < 0 ? 6 : (s->precision > 9 ? 9 : s->precision);
    unsigned long long scale = 1;
    for (int i = 0; i < precision; i++) scale *= 10u;
    unsigned long long whole = (unsigned long long)v;
    unsigned long long frac = (unsigned long long)((v - (double)whole) * (double)scale + 0.5);
    if (frac >= scale) {
        whole++;
        frac -= scale;
    }
    n = to_digits(digits, whole, 10, false);
    if (precision > 0 || s->alt) digits[n++] = '.';
    char fdigits[16];
    int fn = to_digits(fdigits, frac, 10, false);
    for (int i = fn; i < precision; i++) digits[n++] = '0';
    if (precision > 0)
        for (int i = 0; i < fn; i++) digits[n++] = fdigits[i];
    struct spec plain = *s;
    plain.precision = -1;
    put_number(out, &plain, digits, n, prefix);
}

static void format(struct sink *out, const char *f, va_list ap)
{
    for (; *f; f++) {
        if (*f != '%') {
            put(out, *f);
            continue;
        }
        struct spec s = {.precision = -1};
        for (;; f++) {
            char c = f[1];
            if (c == '-') s.left = true;
            else if (c == '+') s.plus = true;
            else if (c == ' ') s.space = true;
            else if (c == '#') s.alt = true;
            else if (c == '0') s.zero = true;
            else break;
        }
        f++;
        if (*f == '*') {
            s.width = va_arg(ap, int);
            if (s.width < 0) s.left = true, s.width = -s.width;
            f++;
        } else
            while (*f >= '0' && *f <= '9') s.width = s.width * 10 + (*f++ - '0');
        if (*f == '.') {
            f++;
            s.precision = 0;
            if (*f == '*') {
                s.precision = va_arg(ap, int);
                f++;
            } else
                while (*f >= '0' && *f <= '9') s.precision = s.precision * 10 + (*f++ - '0');
        }
        int size = 0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long, 3 size_t */
        for (;; f++) {
            if (*f == 'h') size--;
            else if (*f == 'l') size++;
            else if (*f == 'z' || *f == 't' || *f == 'j') size = *f == 'j' ? 2 : 3;
            else break;
        }
        char digits[32];
        int n;
        switch (*f) {
        case 'd':
        case 'i': {
            long long v = size >= 2 ? va_arg(ap, long long) : size >= 1 ? va_arg(ap, long) : va_arg(ap, int);
            if (size == -1) v = (short)v;
            if (size <= -2) v = (signed char)v;
            unsigned long long mag = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
            n = to_digits(digits, mag, 10, false);
            put_number(out, &s, digits, n, v < 0 ? "-" : s.plus ? "+" : s.space ? " " : "");
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            unsigned long long v = size >= 2 ? va_arg(ap, unsigned long long)
                                   : size >= 1 ? va_arg(ap, unsigned long)
                                               : va_arg(ap, unsigned int);
            if (size == -1) v = (unsigned short)v;
            if (size <= -2) v = (unsigned char)v;
            unsigned base = *f == 'o' ? 8 : *f == 'u' ? 10 : 16;
            n = to_digits(digits, v, base, *f == 'X');
            const char *prefix = s.alt && v != 0 ? (*f == 'x' ? "0x" : *f == 'X' ? "0X" : *f == 'o' ? "0" : "") : "";
            put_number(out, &s, digits, n, prefix);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            n = to_digits(digits, v, 16, false);
            put_number(out, &s, digits, n, "0x");
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            struct spec t = s;
            t.precision = -1;
            t.zero = false;
            put_number(out, &t, &c, 1, "");
            break;
        }
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (str == NULL) str = "(null)";
            int len = (int)(s.precision >= 0 ? strnlen(str, (size_t)s.precision) : strlen(str));
            struct spec t = s;
            t.precision = -1;
            t.zero = false;
            put_number(out, &t, str, len, "");
            break;
        }
        case 'f':
        case 'F':
        case 'g':
        case 'e':
            put_fixed(out, &s, va_arg(ap, double));
            break;
        case '%':
            put(out, '%');
            break;
        case '\0':
            return;
        default: /* an unknown conversion is printed as written */
            put(out, '%');
            put(out, *f);
        }
    }
}

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
{
    struct sink out = {.buf = buf, .size = size};
    format(&out, fmt, ap);
    if (size > 0) buf[out.len < size ? out.len : size - 1] = '\0';
    return out.len > INT_MAX ? INT_MAX : (int)out.len;
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int sprintf(char *restrict buf, const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, SIZE_MAX, fmt, ap);
    va_end(ap);
    return n;
}

int vfprintf(FILE *restrict stream, const char *restrict fmt, va_list ap)
{
    struct sink out = {.stream = stream};
    format(&out, fmt, ap);
    return (int)out.len;
}

int vprintf(const char *restrict fmt, va_list ap)
{
    return vfprintf(stdout, fmt, ap);
}

int fprintf(FILE *restrict stream, const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(stream, fmt, ap);
    va_end(ap);
    return n;
}

int printf(const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(stdout, fmt, ap);
    va_end(ap);
    return n;
}

/* ---- stdlib.h ---- */

/*
 * The heap: first fit over a free list in [heap_start, heap_end) of rpmsg_soc_info(), blocks of
 * 8-byte units with a one-unit header, neighbours merged on free. A firmware heap is small and
 * allocations are rare (endpoints, queues); simplicity beats speed here.
 */
struct block {
    size_t units; /* size of this block in units, header included */
    struct block *next;
};

static struct block *free_list;
static bool heap_ready;

static void heap_init(void)
{
    const struct rpmsg_soc_info *info = rpmsg_soc_info();
    uintptr_t start = ((uintptr_t)info->heap_start + 7u) & ~(uintptr_t)7u;
    uintptr_t end = (uintptr_t)info->heap_end & ~(uintptr_t)7u;
    heap_ready = true;
    if (end <= start + 2 * sizeof(struct block)) return;
    free_list = (struct block *)start;
    free_list->units = (end - start) / sizeof(struct block);
    free_list->next = NULL;
}

void *malloc(size_t size)
{
    if (!heap_ready) heap_init();
    if (size == 0 || size > 0x7fffffffu) return NULL;
    size_t units = (size + sizeof(struct block) - 1) / sizeof(struct block) + 1;
    for (struct block **link = &free_list; *link; link = &(*link)->next) {
        struct block *b = *link;
        if (b->units < units) continue;
        if (b->units > units + 1) { /* split: hand out the tail */
            b->units -= units;
            b += b->units;
            b->units = units;
        } else {
            *link = b->next;
        }
        return b + 1;
    }
    return NULL;
}

void free(void *ptr)
{
    if (ptr == NULL) return;
    struct block *b = (struct block *)ptr - 1;
    struct block **link = &free_list;
    while (*link && *link < b) link = &(*link)->next; /* the list is kept in address order */
    b->next = *link;
    *link = b;
    if (b->next && b + b->units == b->next) { /* merge with the next block */
        b->units += b->next->units;
        b->next = b->next->next;
    }
    if (link != &free_list) { /* merge with the previous block */
        struct block *prev = (struct block *)((char *)link - offsetof(struct block, next));
        if (prev + prev->units == b) {
            prev->units += b->units;
            prev->next = b->next;
        }
    }
}

void *calloc(size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size) return NULL;
    void *p = malloc(count * size);
    if (p) memset(p, 0, count * size);
    return p;
}

void *realloc(void *ptr, size_t size)
{
    if (ptr == NULL) return malloc(size);
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    size_t have = (((struct block *)ptr - 1)->units - 1) * sizeof(struct block);
    if (have >= size) return ptr;
    void *p = malloc(size);
    if (p) {
        memcpy(p, ptr, have);
        free(ptr);
    }
    return p;
}

void exit(int code)
{
    fflush(NULL);
    rpmsg_soc_exit(code);
}

void abort(void)
{
    fflush(NULL);
    rpmsg_soc_assert_fail("abort()", "", 0, "abort");
}

int abs(int x)
{
    return x < 0 ? -x : x;
}

long labs(long x)
{
    return x < 0 ? -x : x;
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
    while (*s == ' ' || (*s >= '\t' && *s <= '\r')) s++;
    bool neg = *s == '-';
    if (*s == '-' || *s == '+') s++;
    if ((base == 0 || base == 16) && s[0] == '0' && (s[1] | 32) == 'x') s += 2, base = 16;
    else if (base == 0) base = s[0] == '0' ? 8 : 10;
    unsigned long v = 0;
    for (;; s++) {
        int d = *s >= '0' && *s <= '9' ? *s - '0' : (*s | 32) >= 'a' && (*s | 32) <= 'z' ? (*s | 32) - 'a' + 10 : 99;
        if (d >= base) break;
        v = v * (unsigned long)base + (unsigned long)d;
    }
    if (end) *end = (char *)s;
    return neg ? 0ul - v : v;
}

long strtol(const char *restrict s, char **restrict end, int base)
{
    return (long)strtoul(s, end, base);
}

int atoi(const char *s)
{
    return (int)strtol(s, NULL, 10);
}

static unsigned long rand_state = 1;

void srand(unsigned seed)
{
    rand_state = seed;
}

int rand(void)
{
    rand_state = rand_state * 1103515245ul + 12345ul;
    return (int)((rand_state >> 1) & RAND_MAX);
}
