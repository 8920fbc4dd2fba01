#include "words.h"

#include <stdio.h>

const char *words_option(domcompat_fix fix)
{
    switch (fix) {
    case DOMCOMPAT_FIX_MAX_SIZE: return "--max-size";
    case DOMCOMPAT_FIX_MAX_DEPTH: return "--max-depth";
    case DOMCOMPAT_FIX_MAX_ATTRIBUTE_LENGTH: return "--max-attribute-length";
    case DOMCOMPAT_FIX_MAX_ATTRIBUTES: return "--max-attributes";
    case DOMCOMPAT_FIX_ASSUME:
    case DOMCOMPAT_FIX_DROP_ASSUMPTION: return "--assume";
    case DOMCOMPAT_FIX_ALLOW_LOSS: return "--allow-loss";
    default: return NULL;
    }
}

const char *words_error(const domcompat_error *err, char *buf, size_t size)
{
    const char *option = words_option(err->fix);

    if (option == NULL)
        return err->message;
    snprintf(buf, size, "%s (raise the limit with %s)", err->message, option);
    return buf;
}

const domcompat_refusal *words_refusal(const domcompat_refusal *r, struct words_refusal *out)
{
    static const domcompat_words options = {"--assume %s", "leave out --assume %s", "--allow-loss",
                                            "--from", "--source-caps"};

    out->refusal = *r;
    domcompat_word(r->reason_template, &options, out->reason, sizeof(out->reason));
    out->refusal.reason = out->reason;
    if (r->hint_template != NULL) {
        domcompat_word(r->hint_template, &options, out->hint, sizeof(out->hint));
        out->refusal.hint = out->hint;
    }
    return &out->refusal;
}
