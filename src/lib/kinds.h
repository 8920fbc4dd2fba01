/*
 * The PCI controller kinds and implementations of data/pci-kinds.xml, as a
 * C table generated at build time (xslt/gen/pci-kinds-c.xsl).
 */
#ifndef DOMCOMPAT_KINDS_H
#define DOMCOMPAT_KINDS_H

#include <stdbool.h>
#include <stddef.h>

struct kind_implementation {
    const char *name;
    const char *since; /* first libvirt version that accepts <model name> */
};

struct kind {
    const char *name;
    const char *since;           /* first libvirt version that knows the kind */
    bool root;                   /* a root bus */
    const char *implied;         /* what the legacy form implies, or NULL */
    const char *implied_pseries; /* what it implies in a pSeries guest, or NULL */
    const struct kind_implementation *implementations;
    size_t implementation_count;
};

extern const struct kind kinds_table[];
extern const size_t kinds_count;

/* The first libvirt version that parses <model name> (1.2.19 as 1002019). */
extern const unsigned long kinds_model_name_since;

/* The kind named `name`, or NULL. */
const struct kind *kinds_find(const char *name);

/* Whether `name` is one of the kind's implementations. */
bool kind_has_implementation(const struct kind *kind, const char *name);

/*
 * Writes "a, b, c" (kinds, or one kind's implementations) into `out`,
 * cut to `size`; for messages that list what was expected.
 */
void kinds_list_names(char *out, size_t size);
void kind_list_implementations(const struct kind *kind, char *out, size_t size);

#endif
