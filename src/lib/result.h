/* The result of a conversion (behind domcompat_result). */
#ifndef DOMCOMPAT_RESULT_H
#define DOMCOMPAT_RESULT_H

#include <stdbool.h>

#include "domcompat.h"

struct domcompat_result {
    char *output; /* NULL when refused */
    size_t output_len;
    bool changed;
    domcompat_form input_form;
    domcompat_change *changes;
    size_t change_count, change_capacity;
    domcompat_refusal *refusals;
    size_t refusal_count, refusal_capacity;
    domcompat_loss *losses;
    size_t loss_count, loss_capacity;
    domcompat_replacement *replacements;
    size_t replacement_count, replacement_capacity;
    struct result_strings *strings; /* every string the records point to */
};

domcompat_result *result_new(domcompat_form input_form);

/*
 * Copies `s` (or its first `len` bytes when len != (size_t)-1) into
 * storage the result owns; NULL stays NULL.  Sets *failed on ENOMEM.
 */
const char *result_keep(domcompat_result *r, const char *s, size_t len, bool *failed);

/* Appends a zeroed record and returns it, or NULL when out of memory. */
domcompat_change *result_add_change(domcompat_result *r);
domcompat_refusal *result_add_refusal(domcompat_result *r);
domcompat_loss *result_add_loss(domcompat_result *r);
domcompat_replacement *result_add_replacement(domcompat_result *r);

#endif
