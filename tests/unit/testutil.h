/* Helpers shared by the unit tests. */
#ifndef DOMCOMPAT_TESTUTIL_H
#define DOMCOMPAT_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "domcompat.h"

/* A q35 domain as libvirt writes it, with `controllers` spliced into <devices>. */
#define Q35_DOMAIN(controllers)                                 \
    "<domain type='kvm'>\n"                                     \
    "  <name>guest</name>\n"                                    \
    "  <memory unit='KiB'>1048576</memory>\n"                   \
    "  <os>\n"                                                  \
    "    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n" \
    "  </os>\n"                                                 \
    "  <devices>\n" controllers "  </devices>\n"                \
    "</domain>\n"

#define PSERIES_DOMAIN(controllers)                               \
    "<domain type='kvm'>\n"                                       \
    "  <name>power</name>\n"                                      \
    "  <os>\n"                                                    \
    "    <type arch='ppc64le' machine='pseries-7.2'>hvm</type>\n" \
    "  </os>\n"                                                   \
    "  <devices>\n" controllers "  </devices>\n"                  \
    "</domain>\n"

/* A new context, its memory of answers on or off. */
static inline domcompat_context *new_context(int cache)
{
    domcompat_context *ctx = NULL;
    domcompat_error err;

    assert_int_equal(domcompat_context_new(&ctx, &err), DOMCOMPAT_OK);
    assert_int_equal(domcompat_context_set_cache(ctx, cache, &err), DOMCOMPAT_OK);
    return ctx;
}

/* Asserts that `result` holds exactly `expected` as its output. */
static inline void assert_output(const domcompat_result *result, const char *expected)
{
    size_t len;
    const char *out = domcompat_result_output(result, &len);

    assert_non_null(out);
    if (len != strlen(expected) || memcmp(out, expected, len) != 0) {
        print_error("expected:\n%s\n--- got:\n%.*s\n", expected, (int)len, out);
        fail();
    }
}

/* A whole file (malloc'd, NUL-terminated, its length in *len), or NULL if it cannot be read. */
static inline char *read_whole_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct buf b;
    char chunk[65536];
    size_t n;

    if (f == NULL)
        return NULL;
    buf_init(&b);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    return buf_steal(&b, len);
}

#endif
