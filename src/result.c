#include "result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

domcompat_result *result_new(domcompat_form input_form)
{
    domcompat_result *r = calloc(1, sizeof(*r));

    if (r != NULL)
        r->input_form = input_form;
    return r;
}

const char *result_keep(domcompat_result *r, const char *s, size_t len, bool *failed)
{
    char **strings, *copy;

    if (s == NULL)
        return NULL;
    if (len == (size_t)-1)
        len = strlen(s);
    strings = realloc(r->strings, (r->string_count + 1) * sizeof(*strings));
    if (strings == NULL) {
        *failed = true;
        return NULL;
    }
    r->strings = strings;
    copy = malloc(len + 1);
    if (copy == NULL) {
        *failed = true;
        return NULL;
    }
    memcpy(copy, s, len);
    copy[len] = '\0';
    r->strings[r->string_count++] = copy;
    return copy;
}

/* Grows `*records` by one zeroed element of `size` bytes. */
static void *grow(void **records, size_t *count, size_t size)
{
    char *grown = realloc(*records, (*count + 1) * size);

    if (grown == NULL)
        return NULL;
    *records = grown;
    memset(grown + *count * size, 0, size);
    return grown + (*count)++ * size;
}

domcompat_change *result_add_change(domcompat_result *r)
{
    return grow((void **)&r->changes, &r->change_count, sizeof(*r->changes));
}

domcompat_refusal *result_add_refusal(domcompat_result *r)
{
    return grow((void **)&r->refusals, &r->refusal_count, sizeof(*r->refusals));
}

domcompat_loss *result_add_loss(domcompat_result *r)
{
    return grow((void **)&r->losses, &r->loss_count, sizeof(*r->losses));
}

size_t domcompat_result_loss_count(const domcompat_result *result)
{
    return result->loss_count;
}

const domcompat_loss *domcompat_result_loss(const domcompat_result *result, size_t i)
{
    return i < result->loss_count ? &result->losses[i] : NULL;
}

void domcompat_refusal_describe(const domcompat_refusal *refusal, char *out, size_t size)
{
    char which[96];

    if (refusal->index != NULL)
        snprintf(which, sizeof(which), "index %s", refusal->index);
    else
        snprintf(which, sizeof(which), "with no index");
    snprintf(out, size, "cannot convert PCI controller %s (%s%s%s) to %s: %s", which, refusal->kind,
             refusal->implementation ? " implemented by " : "",
             refusal->implementation ? refusal->implementation : "", refusal->target,
             refusal->reason);
}

const char *domcompat_result_output(const domcompat_result *result, size_t *len)
{
    if (len != NULL)
        *len = result->output ? result->output_len : 0;
    return result->output;
}

int domcompat_result_changed(const domcompat_result *result)
{
    return result->changed;
}

domcompat_form domcompat_result_input_form(const domcompat_result *result)
{
    return result->input_form;
}

size_t domcompat_result_change_count(const domcompat_result *result)
{
    return result->change_count;
}

const domcompat_change *domcompat_result_change(const domcompat_result *result, size_t i)
{
    return i < result->change_count ? &result->changes[i] : NULL;
}

size_t domcompat_result_refusal_count(const domcompat_result *result)
{
    return result->refusal_count;
}

const domcompat_refusal *domcompat_result_refusal(const domcompat_result *result, size_t i)
{
    return i < result->refusal_count ? &result->refusals[i] : NULL;
}

void domcompat_result_free(domcompat_result *result)
{
    size_t i;

    if (result == NULL)
        return;
    for (i = 0; i < result->string_count; i++)
        free(result->strings[i]);
    free(result->strings);
    free(result->changes);
    free(result->refusals);
    free(result->losses);
    free(result->output);
    free(result);
}
