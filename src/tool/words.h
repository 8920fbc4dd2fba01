/*
 * How the tool words what the library returns as data: the settings that
 * would fix a problem, named as the options that change them.
 */
#ifndef DOMCOMPAT_TOOL_WORDS_H
#define DOMCOMPAT_TOOL_WORDS_H

#include <stddef.h>

#include "domcompat.h"

/* The option that changes the setting `fix` stands for ("--max-depth"), or NULL. */
const char *words_option(domcompat_fix fix);

/* An error's message, with the option that would fix it when there is one. */
const char *words_error(const domcompat_error *err, char *buf, size_t size);

/* Texts of the length of a refusal's reason or hint. */
struct words_refusal {
    domcompat_refusal refusal; /* the library's, its reason and hint in the tool's words */
    char reason[1024];
    char hint[1024];
};

/* `r` with the settings its reason and hint mention named as options (--assume, --from...). */
const domcompat_refusal *words_refusal(const domcompat_refusal *r, struct words_refusal *out);

#endif
