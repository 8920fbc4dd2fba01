/*
 * One context shared by several threads from its very first conversion:
 * the threads start together on a new context, so they compile the
 * grammars and rules, and fill the memory of answers, at the same time.
 * Every conversion must come out exactly as on one thread, and each
 * grammar and stylesheet is compiled once, however many threads first ask
 * for it.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>

#include "context.h"

#define THREADS 4
#define ROUNDS 20
#define CONTEXTS 12

static const char *const inputs[] = {
    Q35_DOMAIN("    <controller type='pci' index='0' model='pcie-root'/>\n"
               "    <controller type='pci' index='1' model='pcie-root-port'/>\n"
               "    <controller type='pci' index='2' model='dmi-to-pci-bridge'/>\n"),
    Q35_DOMAIN("    <controller type='pci' index='0' subType='pcie-root'/>\n"
               "    <controller type='pci' index='1' subType='pcie-root-port' model='ioh3420'/>\n"),
    PSERIES_DOMAIN("    <controller type='pci' index='0' model='pci-root'/>\n"),
    Q35_DOMAIN(
        "    <controller type='pci' index='1' subType='pcie-root-port' model='pcie-root-port'/>\n"),
    Q35_DOMAIN("    <controller type='pci' index='1' model='no-such-kind'/>\n"),
};
#define INPUT_COUNT (sizeof(inputs) / sizeof(inputs[0]))

struct expectation {
    int rc;
    char *output;
    size_t len;
};

struct shared {
    domcompat_context *ctx;
    domcompat_options *upgrade;
    domcompat_options *downgrade;
    struct expectation expected[2][INPUT_COUNT];
    pthread_barrier_t start;
    int mismatches;
    pthread_mutex_t lock;
};

static int convert_once(const struct shared *s, int direction, size_t i, struct expectation *out)
{
    domcompat_result *result = NULL;
    domcompat_error err;
    const char *output;
    size_t len = 0;

    out->rc = domcompat_convert(&result, s->ctx, direction ? s->downgrade : s->upgrade, inputs[i],
                                strlen(inputs[i]), &err);
    output = result ? domcompat_result_output(result, &len) : NULL;
    out->output = NULL;
    out->len = len;
    if (output != NULL) {
        out->output = malloc(len ? len : 1);
        if (out->output == NULL)
            return -1;
        memcpy(out->output, output, len);
    }
    domcompat_result_free(result);
    return 0;
}

static void *worker(void *arg)
{
    struct shared *s = arg;
    int round, direction, bad = 0;
    size_t i;

    pthread_barrier_wait(&s->start);
    for (round = 0; round < ROUNDS; round++) {
        for (direction = 0; direction < 2; direction++) {
            for (i = 0; i < INPUT_COUNT; i++) {
                struct expectation got, *want = &s->expected[direction][i];

                if (convert_once(s, direction, i, &got) != 0) {
                    bad++;
                    continue;
                }
                if (got.rc != want->rc || got.len != want->len ||
                    (got.output == NULL) != (want->output == NULL) ||
                    (got.output && memcmp(got.output, want->output, got.len) != 0))
                    bad++;
                free(got.output);
            }
        }
    }
    pthread_mutex_lock(&s->lock);
    s->mismatches += bad;
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static void test_context__is_shared_safely_between_threads_from_the_start(void **state)
{
    struct shared s;
    pthread_t threads[THREADS];
    domcompat_error err;
    unsigned compiled_once;
    size_t i;
    int t, direction, outcomes = 0, round;

    (void)state;
    memset(&s, 0, sizeof(s));
    pthread_mutex_init(&s.lock, NULL);
    assert_int_equal(domcompat_options_new(&s.upgrade), DOMCOMPAT_OK);
    assert_int_equal(domcompat_options_new(&s.downgrade), DOMCOMPAT_OK);
    assert_int_equal(domcompat_options_set_target(s.downgrade, "legacy", &err), DOMCOMPAT_OK);

    /* What one thread gets, and how much one context compiles to get it. */
    s.ctx = new_context(1);
    for (direction = 0; direction < 2; direction++)
        for (i = 0; i < INPUT_COUNT; i++)
            assert_int_equal(convert_once(&s, direction, i, &s.expected[direction][i]), 0);
    compiled_once = s.ctx->compiled->compiles;
    domcompat_context_free(s.ctx);
    assert_true(compiled_once >= 3);
    /* The inputs exercise success, refusal and invalid input on both sides. */
    for (direction = 0; direction < 2; direction++)
        for (i = 0; i < INPUT_COUNT; i++)
            outcomes |= 1 << -s.expected[direction][i].rc;
    assert_int_equal(outcomes, (1 << 0) | (1 << 1) | (1 << 3));

    /* New contexts, each first used by every thread at once; every other one remembers nothing. */
    for (round = 0; round < CONTEXTS; round++) {
        s.ctx = new_context(round % 2 == 0);
        assert_int_equal(pthread_barrier_init(&s.start, NULL, THREADS), 0);
        for (t = 0; t < THREADS; t++)
            assert_int_equal(pthread_create(&threads[t], NULL, worker, &s), 0);
        for (t = 0; t < THREADS; t++)
            pthread_join(threads[t], NULL);
        pthread_barrier_destroy(&s.start);
        assert_int_equal(s.mismatches, 0);
        assert_int_equal(s.ctx->compiled->compiles, compiled_once);
        domcompat_context_free(s.ctx);
    }

    for (direction = 0; direction < 2; direction++)
        for (i = 0; i < INPUT_COUNT; i++)
            free(s.expected[direction][i].output);
    domcompat_options_free(s.upgrade);
    domcompat_options_free(s.downgrade);
    pthread_mutex_destroy(&s.lock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_context__is_shared_safely_between_threads_from_the_start),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
