/*
 * Shared by the fuzz targets (fuzz_*.c): the libFuzzer entry points, one
 * context and one options object per target form created at start-up, and
 * a conversion that checks the API's contract and aborts when it is broken.
 */
#ifndef DOMCOMPAT_FUZZ_HARNESS_H
#define DOMCOMPAT_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "domcompat.h"

/* Larger inputs are ignored: they find nothing smaller ones cannot. */
#define HARNESS_MAX_INPUT (64 * 1024)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef enum harness_target {
    HARNESS_EXPLICIT,
    HARNESS_LEGACY,
    HARNESS_LIBVIRT_9_0_0
} harness_target;

const domcompat_context *harness_context(void);

/* Prints "fuzz: invariant violated: ..." and aborts. */
void harness_fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;

/*
 * Converts `data` for `target` with default options and checks the result
 * against domcompat_convert's contract.  On DOMCOMPAT_OK, *out receives a
 * malloc'd copy of the output (free it) and *out_len its length; otherwise
 * *out is NULL.  *form_out, when not NULL, receives the input's form when
 * the conversion got that far, DOMCOMPAT_FORM_AUTO otherwise.  Returns the
 * code domcompat_convert returned.
 */
int harness_convert(harness_target target, const char *data, size_t len, char **out,
                    size_t *out_len, domcompat_form *form_out);

/* Aborts unless a and b hold the same bytes. */
void harness_expect_same(const char *what, const char *a, size_t a_len, const char *b,
                         size_t b_len);

#endif /* DOMCOMPAT_FUZZ_HARNESS_H */
