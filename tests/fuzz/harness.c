#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static domcompat_context *context;
static domcompat_options *options[3];
static const char *const target_names[3] = {"explicit", "legacy", "libvirt-9.0.0"};

void harness_fail(const char *fmt, ...)
{
    va_list ap;

    fputs("fuzz: invariant violated: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    domcompat_error err;
    size_t i;

    (void)argc;
    (void)argv;
    memset(&err, 0, sizeof(err));
    if (domcompat_context_new(&context, &err) != DOMCOMPAT_OK)
        harness_fail("domcompat_context_new: %s", err.message);
    for (i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
        if (domcompat_options_new(&options[i]) != DOMCOMPAT_OK)
            harness_fail("domcompat_options_new failed");
        if (domcompat_options_set_target(options[i], target_names[i], &err) != DOMCOMPAT_OK)
            harness_fail("set_target %s: %s", target_names[i], err.message);
    }
    /* After the context: compiling the built-in rules loads from memory. */
    domcompat_forbid_external_loading();
    return 0;
}

const domcompat_context *harness_context(void)
{
    return context;
}

static void touch(const char *s)
{
    /* A read of every byte, so the sanitizers see a dangling string. */
    if (s != NULL && strlen(s) == (size_t)-1)
        abort();
}

/* Reads everything a result reports, for the sanitizers to check. */
static void read_result(const domcompat_result *result)
{
    size_t i, n;
    char line[2048];

    (void)domcompat_result_changed(result);
    (void)domcompat_form_name(domcompat_result_input_form(result));
    n = domcompat_result_change_count(result);
    for (i = 0; i < n; i++) {
        const domcompat_change *c = domcompat_result_change(result, i);
        if (c == NULL || c->kind == NULL || c->rule == NULL || c->before == NULL ||
            c->after == NULL)
            harness_fail("change %zu of %zu incomplete", i, n);
        touch(c->index);
        touch(c->kind);
        touch(c->rule);
        touch(c->before);
        touch(c->after);
    }
    if (domcompat_result_change(result, n) != NULL)
        harness_fail("change %zu of %zu exists", n, n);
    n = domcompat_result_loss_count(result);
    for (i = 0; i < n; i++) {
        const domcompat_loss *l = domcompat_result_loss(result, i);
        if (l == NULL || l->what == NULL)
            harness_fail("loss %zu of %zu incomplete", i, n);
        touch(l->index);
        touch(l->kind);
        touch(l->since);
        touch(l->why);
    }
    n = domcompat_result_replacement_count(result);
    for (i = 0; i < n; i++) {
        const domcompat_replacement *r = domcompat_result_replacement(result, i);
        if (r == NULL || r->kind == NULL || r->from == NULL || r->to == NULL)
            harness_fail("replacement %zu of %zu incomplete", i, n);
        touch(r->index);
        touch(r->from_pci_id);
        touch(r->to_pci_id);
    }
    n = domcompat_result_refusal_count(result);
    for (i = 0; i < n; i++) {
        const domcompat_refusal *r = domcompat_result_refusal(result, i);
        if (r == NULL || r->reason == NULL || r->target == NULL)
            harness_fail("refusal %zu of %zu incomplete", i, n);
        touch(r->index);
        touch(r->kind);
        touch(r->implementation);
        touch(r->rule);
        touch(r->hint);
        touch(r->since);
        domcompat_refusal_describe(r, line, sizeof(line));
        if (line[0] == '\0')
            harness_fail("refusal %zu of %zu has an empty description", i, n);
    }
}

int harness_convert(harness_target target, const char *data, size_t len, char **out,
                    size_t *out_len, domcompat_form *form_out)
{
    domcompat_result *result = NULL;
    domcompat_error err;
    const char *output;
    size_t output_len = 0;
    int rc;

    *out = NULL;
    *out_len = 0;
    if (form_out != NULL)
        *form_out = DOMCOMPAT_FORM_AUTO;
    memset(&err, 0, sizeof(err));
    rc = domcompat_convert(&result, context, options[target], data, len, &err);
    switch (rc) {
    case DOMCOMPAT_OK:
        if (result == NULL)
            harness_fail("%s: success without a result", target_names[target]);
        output = domcompat_result_output(result, &output_len);
        if (output == NULL || output_len == 0)
            harness_fail("%s: success without output", target_names[target]);
        if (domcompat_result_refusal_count(result) != 0)
            harness_fail("%s: success with refusals", target_names[target]);
        read_result(result);
        *out = malloc(output_len);
        if (*out == NULL)
            abort();
        memcpy(*out, output, output_len);
        *out_len = output_len;
        break;
    case DOMCOMPAT_EREFUSED:
        if (result == NULL)
            harness_fail("%s: refusal without a result", target_names[target]);
        if (domcompat_result_output(result, &output_len) != NULL)
            harness_fail("%s: refusal with output", target_names[target]);
        if (domcompat_result_refusal_count(result) == 0)
            harness_fail("%s: refusal without refusals", target_names[target]);
        read_result(result);
        break;
    case DOMCOMPAT_EINVALID:
        if (result != NULL)
            harness_fail("%s: invalid input with a result", target_names[target]);
        break;
    default:
        /* Usage errors cannot come from the document, and internal errors
           are domcompat's bugs. */
        harness_fail("%s: code %d: %s", target_names[target], rc, err.message);
    }
    if (rc != DOMCOMPAT_OK) {
        if (err.message[0] == '\0')
            harness_fail("%s: code %d without a message", target_names[target], rc);
        if (err.code != rc)
            harness_fail("%s: returned %d, error says %d", target_names[target], rc, err.code);
    }
    if (form_out != NULL && result != NULL)
        *form_out = domcompat_result_input_form(result);
    domcompat_result_free(result);
    return rc;
}

void harness_expect_same(const char *what, const char *a, size_t a_len, const char *b, size_t b_len)
{
    size_t i;

    for (i = 0; i < a_len && i < b_len; i++)
        if (a[i] != b[i])
            break;
    if (i < a_len || i < b_len)
        harness_fail("%s: %zu bytes against %zu, first difference at byte %zu", what, a_len, b_len,
                     i);
}
