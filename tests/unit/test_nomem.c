/*
 * Running out of memory at every allocation of a conversion: the library
 * must return an error (or succeed, when the failure did not matter),
 * never crash, and leave nothing it allocated behind.
 *
 * This executable replaces malloc and friends for the whole process (glibc
 * allows that; libxml2 and libxslt then allocate through them too) and
 * counts allocations only inside the window of one conversion.
 */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "tool_diff.h"

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t count, size_t size);
void *__libc_realloc(void *ptr, size_t size);
void __libc_free(void *ptr);

#define TRACKED (1u << 18)

static int window;          /* counting allocations */
static long allocations;    /* made in the window */
static long fail_at = -1;   /* the allocation to fail, 0-based; -1: none */
static void *live[TRACKED]; /* made in the window and not freed yet */
static long live_count;

static size_t slot_of(const void *ptr)
{
    return ((size_t)ptr >> 4) * 2654435761u % TRACKED;
}

static void track(void *ptr)
{
    size_t i = slot_of(ptr);

    while (live[i] != NULL)
        i = (i + 1) % TRACKED;
    live[i] = ptr;
    live_count++;
}

/* Forgets `ptr` if it was made in the window; keeps the probe chains intact. */
static void untrack(void *ptr)
{
    size_t i = slot_of(ptr), j;

    while (live[i] != NULL && live[i] != ptr)
        i = (i + 1) % TRACKED;
    if (live[i] == NULL)
        return;
    live[i] = NULL;
    live_count--;
    for (j = (i + 1) % TRACKED; live[j] != NULL; j = (j + 1) % TRACKED) {
        void *moved = live[j];

        live[j] = NULL;
        live_count--;
        track(moved);
    }
}

static int fail_now(void)
{
    return window && allocations++ == fail_at;
}

void *malloc(size_t size)
{
    void *ptr = fail_now() ? NULL : __libc_malloc(size);

    if (ptr != NULL && window)
        track(ptr);
    return ptr;
}

void *calloc(size_t count, size_t size)
{
    void *ptr = fail_now() ? NULL : __libc_calloc(count, size);

    if (ptr != NULL && window)
        track(ptr);
    return ptr;
}

void *realloc(void *old, size_t size)
{
    void *ptr;

    if (fail_now())
        return NULL;
    ptr = __libc_realloc(old, size);
    if (ptr != NULL && old != NULL)
        untrack(old);
    if (ptr != NULL && window)
        track(ptr);
    return ptr;
}

void free(void *ptr)
{
    if (ptr != NULL)
        untrack(ptr);
    __libc_free(ptr);
}

/* A libvirt-form port with a loss for 6.2.0, an explicit bridge and a legacy port. */
static const char input[] =
    Q35_DOMAIN("    <controller type='pci' index='0' model='pcie-root'/>\n"
               "    <controller type='pci' index='1' model='pcie-root-port'>\n"
               "      <model name='ioh3420'/>\n"
               "      <target chassis='1' port='0x10' hotplug='off'/>\n"
               "    </controller>\n"
               "    <controller type='pci' index='2' subType='pci-bridge' model='pci-bridge'/>\n"
               "    <controller type='pci' index='3' model='pcie-root-port'/>\n");

/* One conversion with allocation `n` failing; returns how many allocations it made. */
static long convert_failing_at(domcompat_context *ctx, domcompat_options *opts, long n,
                               const char *doc, int *rc)
{
    domcompat_result *result = NULL;
    domcompat_error err;
    long made;

    live_count = 0;
    allocations = 0;
    fail_at = n;
    window = 1;
    *rc = domcompat_convert(&result, ctx, opts, doc, strlen(doc), &err);
    domcompat_result_free(result);
    window = 0;
    made = allocations;
    fail_at = -1;
    if (live_count != 0)
        print_error("allocation %ld failing left %ld allocation(s) behind (rc %d: %s)\n", n,
                    live_count, *rc, err.message);
    assert_int_equal(live_count, 0);
    return made;
}

static void fail_every_allocation(const char *target, const char *doc)
{
    domcompat_context *ctx;
    domcompat_options *opts;
    domcompat_error err;
    long n, total;
    int rc, failures = 0;

    assert_int_equal(domcompat_context_new(&ctx, &err), DOMCOMPAT_OK);
    assert_int_equal(domcompat_options_new(&opts), DOMCOMPAT_OK);
    assert_int_equal(domcompat_options_set_target(opts, target, &err), DOMCOMPAT_OK);
    domcompat_options_allow_loss(opts, 1);
    /*
     * Once outside the count: the context compiles the schemas and rules a
     * conversion needs on first use and keeps them.
     */
    {
        domcompat_result *result = NULL;

        assert_int_equal(domcompat_convert(&result, ctx, opts, doc, strlen(doc), &err),
                         DOMCOMPAT_OK);
        domcompat_result_free(result);
    }
    /* Once without failures: libxml2's lazy globals are made outside the count. */
    total = convert_failing_at(ctx, opts, -1, doc, &rc);
    assert_int_equal(rc, DOMCOMPAT_OK);
    total = convert_failing_at(ctx, opts, -1, doc, &rc);
    assert_true(total > 100);
    for (n = 0; n < total; n++) {
        convert_failing_at(ctx, opts, n, doc, &rc);
        if (rc != DOMCOMPAT_OK)
            failures++;
    }
    /* Most failures must surface as errors; the rest are failures libxml2 recovers from. */
    assert_true(failures > total / 2);
    domcompat_options_free(opts);
    domcompat_context_free(ctx);
}

static void test_nomem__upgrade_survives_every_failed_allocation(void **state)
{
    (void)state;
    fail_every_allocation("explicit", input);
}

static void test_nomem__downgrade_survives_every_failed_allocation(void **state)
{
    (void)state;
    fail_every_allocation("libvirt-6.2.0", input);
}

/* The tool's diff of a conversion: every allocation it makes is needed, so each failure is one. */
static void test_nomem__diff_reports_every_failed_allocation(void **state)
{
    static const char converted[] = Q35_DOMAIN(
        "    <controller type='pci' index='0' subType='pcie-root'/>\n"
        "    <controller type='pci' index='1' subType='pcie-root-port' model='ioh3420'>\n"
        "      <target chassis='1' port='0x10' hotplug='off'/>\n"
        "    </controller>\n"
        "    <controller type='pci' index='2' subType='pci-bridge' model='pci-bridge'/>\n"
        "    <controller type='pci' index='3' subType='pcie-root-port'/>\n");
    static char buffer[1 << 16];
    FILE *sink = fopen("/dev/null", "w");
    long n, total = 0;
    int rc;

    (void)state;
    assert_non_null(sink);
    /* A buffer of our own: the stream allocates nothing while counting. */
    assert_int_equal(setvbuf(sink, buffer, _IOFBF, sizeof(buffer)), 0);
    for (n = -1; n < total; n++) {
        live_count = 0;
        allocations = 0;
        fail_at = n;
        window = 1;
        errno = 0;
        rc = tool_diff_write(sink, "old", "new", input, strlen(input), converted, strlen(converted),
                             1);
        window = 0;
        fail_at = -1;
        assert_int_equal(live_count, 0);
        if (n == -1) {
            assert_int_equal(rc, 0);
            total = allocations;
            assert_true(total > 10);
        } else {
            assert_int_equal(rc, -1);
            assert_int_equal(errno, ENOMEM);
        }
    }
    fclose(sink);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nomem__upgrade_survives_every_failed_allocation),
        cmocka_unit_test(test_nomem__downgrade_survives_every_failed_allocation),
        cmocka_unit_test(test_nomem__diff_reports_every_failed_allocation),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
