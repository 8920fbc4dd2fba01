/* What a conversion should do (behind domcompat_options). */
#ifndef DOMCOMPAT_OPTIONS_H
#define DOMCOMPAT_OPTIONS_H

#include "domcompat.h"
#include "kinds.h"

struct assumption {
    const struct kind *kind;
    const char *implementation; /* points into the kinds table */
};

struct domcompat_options {
    domcompat_form target; /* DOMCOMPAT_FORM_EXPLICIT or DOMCOMPAT_FORM_LEGACY */
    struct assumption *assumptions;
    size_t assumption_count;
    char *assume_param; /* the stylesheets' form: "|kind=implementation|..." */
};

#endif
