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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "reserve.h"
#include "diff.h"

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

/*
 * One library call to repeat with each allocation failing in turn: a
 * conversion (with `opts`) or a validation (without), in `ctx` or, when
 * that is NULL, in a context made and freed inside the count, so that
 * compiling the schemas and rules on first use runs out of memory too.
 * With `no_cache` the context remembers no answers, so that every call
 * runs libxml2's validator and libxslt.
 */
struct job {
    domcompat_context *ctx;
    domcompat_options *opts;
    const char *doc;
    bool no_cache;
    char expected[4096]; /* the output of the run without failures */
    char message[1024];  /* the last run's error */
};

static int run_job(struct job *job, bool record)
{
    domcompat_context *ctx = job->ctx;
    domcompat_result *result = NULL;
    domcompat_error err;
    int rc;

    if (ctx == NULL && (rc = domcompat_context_new(&ctx, &err)) != DOMCOMPAT_OK)
        return rc;
    if (job->ctx == NULL && job->no_cache)
        assert_int_equal(domcompat_context_set_cache(ctx, 0, &err), DOMCOMPAT_OK);
    if (job->opts == NULL) {
        rc = domcompat_validate(NULL, ctx, DOMCOMPAT_FORM_AUTO, job->doc, strlen(job->doc), &err);
    } else {
        rc = domcompat_convert(&result, ctx, job->opts, job->doc, strlen(job->doc), &err);
        if (rc == DOMCOMPAT_OK) {
            size_t len;
            const char *output = domcompat_result_output(result, &len);

            assert_true(len < sizeof(job->expected));
            /* Whatever failed on the way, a document that comes back is the whole document. */
            if (record)
                memcpy(job->expected, output, len);
            else
                assert_memory_equal(output, job->expected, len);
            assert_int_equal(strlen(job->expected), len);
        }
    }
    if (rc != DOMCOMPAT_OK)
        snprintf(job->message, sizeof(job->message), "%s", err.message);
    domcompat_result_free(result);
    if (job->ctx == NULL)
        domcompat_context_free(ctx);
    return rc;
}

/* Runs `job` with allocation `n` failing (-1: none); returns how many allocations it made. */
static long run_failing_at(struct job *job, long n, int *rc)
{
    long made;

    live_count = 0;
    allocations = 0;
    fail_at = n;
    window = 1;
    *rc = run_job(job, n == -1);
    window = 0;
    made = allocations;
    fail_at = -1;
    if (live_count != 0)
        print_error("allocation %ld failing left %ld allocation(s) behind (rc %d)\n", n, live_count,
                    *rc);
    assert_int_equal(live_count, 0);
    /* What libxml2 took from the reserve came back too. */
    assert_int_equal(reserve_blocks_in_use(), 0);
    return made;
}

/*
 * Fails every `stride`th allocation of `job` in turn.  Each failure must
 * give DOMCOMPAT_ENOMEM: libxml2's and libxslt's own failures included,
 * which the library survives on its reserve (src/lib/reserve.h).  A run may
 * make fewer allocations than the one before it (libxml2's hash tables are
 * seeded at random and grow at different times), so a run that succeeded
 * must not have reached allocation `n`.  With the context's memory of
 * answers on, a failure while remembering an answer only means it is not
 * remembered: the call may then succeed, with the same output (run_job).
 */
static void fail_each_allocation(struct job *job, long stride)
{
    long n, total, made;
    int rc;

    /*
     * Once outside the count, since a context keeps the schemas and rules
     * it compiles on first use (and the answers it remembers), then once
     * without failures inside it.
     */
    assert_int_equal(run_job(job, true), DOMCOMPAT_OK);
    total = run_failing_at(job, -1, &rc);
    assert_int_equal(rc, DOMCOMPAT_OK);
    assert_true(total > 100);
    for (n = 0; n < total; n += stride) {
        bool tolerated;

        made = run_failing_at(job, n, &rc);
        tolerated = rc == DOMCOMPAT_OK && (made <= n || !job->no_cache);
        if (rc != DOMCOMPAT_ENOMEM && !tolerated)
            print_error("allocation %ld of %ld failing gave %d: %s\n", n, made, rc, job->message);
        assert_true(rc == DOMCOMPAT_ENOMEM || tolerated);
    }
}

/*
 * Every allocation of a conversion for `target` (NULL: a validation) in a
 * context that has compiled what it needs.
 */
static void fail_every_allocation(const char *target, bool no_cache)
{
    struct job job = {.doc = input, .no_cache = no_cache};
    domcompat_error err;

    assert_int_equal(domcompat_context_new(&job.ctx, &err), DOMCOMPAT_OK);
    assert_int_equal(domcompat_context_set_cache(job.ctx, !no_cache, &err), DOMCOMPAT_OK);
    if (target != NULL) {
        assert_int_equal(domcompat_options_new(&job.opts), DOMCOMPAT_OK);
        assert_int_equal(domcompat_options_set_target(job.opts, target, &err), DOMCOMPAT_OK);
        domcompat_options_allow_loss(job.opts, 1);
    }
    fail_each_allocation(&job, 1);
    domcompat_options_free(job.opts);
    domcompat_context_free(job.ctx);
}

/* Without the memory of answers: every call runs the validator and the rules. */
static void test_nomem__upgrade_survives_every_failed_allocation(void **state)
{
    (void)state;
    fail_every_allocation("explicit", true);
}

static void test_nomem__downgrade_survives_every_failed_allocation(void **state)
{
    (void)state;
    fail_every_allocation("libvirt-6.2.0", true);
}

static void test_nomem__validation_survives_every_failed_allocation(void **state)
{
    (void)state;
    fail_every_allocation(NULL, true);
}

/* With it, as the tool runs: answers come from memory, keys are made and looked up. */
static void test_nomem__remembered_upgrade_survives_every_failed_allocation(void **state)
{
    (void)state;
    fail_every_allocation("explicit", false);
}

static void test_nomem__remembered_downgrade_survives_every_failed_allocation(void **state)
{
    (void)state;
    fail_every_allocation("libvirt-6.2.0", false);
}

static void test_nomem__remembered_validation_survives_every_failed_allocation(void **state)
{
    (void)state;
    fail_every_allocation(NULL, false);
}

/*
 * A new context's first conversion: compiling the grammars and the rules
 * makes most of the allocations, so every 61st fails, to keep the time
 * down while reaching every part of it.
 */
static void test_nomem__first_conversion_of_a_context_survives_failed_allocations(void **state)
{
    struct job job = {.doc = input};
    domcompat_error err;

    (void)state;
    assert_int_equal(domcompat_options_new(&job.opts), DOMCOMPAT_OK);
    assert_int_equal(domcompat_options_set_target(job.opts, "libvirt-6.2.0", &err), DOMCOMPAT_OK);
    domcompat_options_allow_loss(job.opts, 1);
    fail_each_allocation(&job, 61);
    domcompat_options_free(job.opts);
}

/* The tool's diff of a conversion: every allocation it makes is needed, so each failure is one. */
static void test_nomem__diff_reports_every_failed_allocation(void **state)
{
    static char buffer[1 << 16];
    FILE *sink = fopen("/dev/null", "w");
    domcompat_context *ctx = NULL;
    domcompat_options *opts = NULL;
    domcompat_result *result = NULL;
    domcompat_error err;
    const char *converted;
    size_t converted_len;
    long n, total = 0;
    int rc;

    (void)state;
    assert_non_null(sink);
    /* A buffer of our own: the stream allocates nothing while counting. */
    assert_int_equal(setvbuf(sink, buffer, _IOFBF, sizeof(buffer)), 0);
    assert_int_equal(domcompat_context_new(&ctx, &err), DOMCOMPAT_OK);
    assert_int_equal(domcompat_options_new(&opts), DOMCOMPAT_OK);
    assert_int_equal(domcompat_convert(&result, ctx, opts, input, strlen(input), &err),
                     DOMCOMPAT_OK);
    converted = domcompat_result_output(result, &converted_len);
    for (n = -1; n < total; n++) {
        live_count = 0;
        allocations = 0;
        fail_at = n;
        window = 1;
        errno = 0;
        rc = tool_diff_write(sink, "old", "new", input, strlen(input), converted, converted_len,
                             result, 1);
        window = 0;
        fail_at = -1;
        assert_int_equal(live_count, 0);
        if (n == -1) {
            assert_int_equal(rc, 0);
            total = allocations;
            assert_true(total >= 3);
        } else {
            assert_int_equal(rc, -1);
            assert_int_equal(errno, ENOMEM);
        }
    }
    domcompat_result_free(result);
    domcompat_options_free(opts);
    domcompat_context_free(ctx);
    fclose(sink);
}

int main(void)
{
    /* What the tool does at start-up, and what lets libxml2 run out of memory safely. */
    domcompat_error err;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nomem__upgrade_survives_every_failed_allocation),
        cmocka_unit_test(test_nomem__downgrade_survives_every_failed_allocation),
        cmocka_unit_test(test_nomem__validation_survives_every_failed_allocation),
        cmocka_unit_test(test_nomem__remembered_upgrade_survives_every_failed_allocation),
        cmocka_unit_test(test_nomem__remembered_downgrade_survives_every_failed_allocation),
        cmocka_unit_test(test_nomem__remembered_validation_survives_every_failed_allocation),
        cmocka_unit_test(test_nomem__first_conversion_of_a_context_survives_failed_allocations),
        cmocka_unit_test(test_nomem__diff_reports_every_failed_allocation),
    };

    if (domcompat_use_memory_reserve(&err) != DOMCOMPAT_OK) {
        fprintf(stderr, "domcompat_use_memory_reserve: %s\n", err.message);
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
