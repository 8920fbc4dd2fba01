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

/*
 * Strings are kept in blocks, each twice the size of the one before up to
 * STRINGS_BLOCK_MAX: a large domain keeps five strings for each controller
 * changed, and an allocation per string would cost more than the rewrite.
 */
#define STRINGS_BLOCK_MIN 1024
#define STRINGS_BLOCK_MAX (64 * 1024)

struct result_strings {
    struct result_strings *next; /* the block filled before this one */
    size_t used, size;
    char data[];
};

const char *result_keep(domcompat_result *r, const char *s, size_t len, bool *failed)
{
    struct result_strings *block = r->strings;
    char *copy;

    if (s == NULL)
        return NULL;
    if (len == (size_t)-1)
        len = strlen(s);
    if (block == NULL || block->size - block->used < len + 1) {
        size_t size = block == NULL                          ? STRINGS_BLOCK_MIN
                      : block->size >= STRINGS_BLOCK_MAX / 2 ? STRINGS_BLOCK_MAX
                                                             : block->size * 2;

        if (size < len + 1)
            size = len + 1;

        block = malloc(sizeof(*block) + size);
        if (block == NULL) {
            *failed = true;
            return NULL;
        }
        block->next = r->strings;
        block->used = 0;
        block->size = size;
        r->strings = block;
    }
    copy = block->data + block->used;
    memcpy(copy, s, len);
    copy[len] = '\0';
    block->used += len + 1;
    return copy;
}

/* Grows `*records` by one zeroed element of `size` bytes, doubling its room when full. */
static void *grow(void **records, size_t *count, size_t *capacity, size_t size)
{
    char *grown = *records;

    if (*count == *capacity) {
        size_t more = *capacity ? *capacity * 2 : 8;

        if ((grown = realloc(*records, more * size)) == NULL)
            return NULL;
        *records = grown;
        *capacity = more;
    }
    memset(grown + *count * size, 0, size);
    return grown + (*count)++ * size;
}

domcompat_change *result_add_change(domcompat_result *r)
{
    return grow((void **)&r->changes, &r->change_count, &r->change_capacity, sizeof(*r->changes));
}

domcompat_refusal *result_add_refusal(domcompat_result *r)
{
    return grow((void **)&r->refusals, &r->refusal_count, &r->refusal_capacity,
                sizeof(*r->refusals));
}

domcompat_loss *result_add_loss(domcompat_result *r)
{
    return grow((void **)&r->losses, &r->loss_count, &r->loss_capacity, sizeof(*r->losses));
}

domcompat_replacement *result_add_replacement(domcompat_result *r)
{
    return grow((void **)&r->replacements, &r->replacement_count, &r->replacement_capacity,
                sizeof(*r->replacements));
}

size_t domcompat_result_replacement_count(const domcompat_result *result)
{
    return result->replacement_count;
}

const domcompat_replacement *domcompat_result_replacement(const domcompat_result *result, size_t i)
{
    return i < result->replacement_count ? &result->replacements[i] : NULL;
}

size_t domcompat_result_loss_count(const domcompat_result *result)
{
    return result->loss_count;
}

const domcompat_loss *domcompat_result_loss(const domcompat_result *result, size_t i)
{
    return i < result->loss_count ? &result->losses[i] : NULL;
}

/* The library's own words for the settings a refusal marks (domcompat_word()). */
static const domcompat_words library_words = {"the assumption %s", "leave out the assumption %s",
                                              "losses allowed", "source",
                                              "the source capabilities"};

/* Appends to out[*used] at most up to `size` - 1 bytes of `s` (`len` of them), kept terminated. */
static void put(char *out, size_t size, size_t *used, const char *s, size_t len)
{
    if (*used + 1 >= size)
        return;
    if (len > size - 1 - *used)
        len = size - 1 - *used;
    memcpy(out + *used, s, len);
    *used += len;
    out[*used] = '\0';
}

void domcompat_word(const char *text, const domcompat_words *words, char *out, size_t size)
{
    const domcompat_words *w = words ? words : &library_words;
    size_t used = 0;

    if (size == 0)
        return;
    out[0] = '\0';
    while (text != NULL && *text != '\0') {
        const char *open = strchr(text, '{'), *close, *space, *format = NULL, *value = NULL;
        size_t name_len, value_len = 0;

        if (open == NULL || (close = strchr(open, '}')) == NULL) {
            put(out, size, &used, text, strlen(text));
            break;
        }
        put(out, size, &used, text, (size_t)(open - text));
        space = memchr(open, ' ', (size_t)(close - open));
        name_len = (size_t)((space ? space : close) - open - 1);
        if (space != NULL) {
            value = space + 1;
            value_len = (size_t)(close - value);
        }
        if (name_len == 6 && memcmp(open + 1, "assume", 6) == 0 && value)
            format = w->assume;
        else if (name_len == 9 && memcmp(open + 1, "no-assume", 9) == 0 && value)
            format = w->no_assume;
        else if (name_len == 10 && memcmp(open + 1, "allow-loss", 10) == 0 && !value)
            format = w->allow_loss;
        else if (name_len == 4 && memcmp(open + 1, "from", 4) == 0 && !value)
            format = w->source;
        else if (name_len == 11 && memcmp(open + 1, "source-caps", 11) == 0 && !value)
            format = w->source_caps;
        if (format == NULL) {
            put(out, size, &used, open, (size_t)(close + 1 - open)); /* not a setting: as it is */
        } else {
            const char *slot = value ? strstr(format, "%s") : NULL;

            put(out, size, &used, format, slot ? (size_t)(slot - format) : strlen(format));
            if (slot != NULL) {
                put(out, size, &used, value, value_len);
                put(out, size, &used, slot + 2, strlen(slot + 2));
            }
        }
        text = close + 1;
    }
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
    struct result_strings *block, *next;

    if (result == NULL)
        return;
    for (block = result->strings; block != NULL; block = next) {
        next = block->next;
        free(block);
    }
    free(result->changes);
    free(result->refusals);
    free(result->losses);
    free(result->replacements);
    free(result->output);
    free(result);
}
