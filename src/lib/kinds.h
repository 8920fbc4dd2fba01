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

/* The values a <target> attribute or a child takes, as libvirt's schema types them. */
enum kind_value_type {
    KIND_VALUE_UINT8,         /* 0 to 255, or 0x and one or two hex digits */
    KIND_VALUE_ON_OFF,        /* on or off */
    KIND_VALUE_UNSIGNED_INT,  /* element text (not checked: the tree keeps none) */
    KIND_VALUE_UNSIGNED_LONG, /* decimal digits */
    KIND_VALUE_SCALED,        /* element text and an optional unit attribute */
};

/* A <target> attribute ("chassisNr") or a child ("target/node", "pcihole64") of a kind. */
struct kind_target {
    const char *name;
    bool element;
    enum kind_value_type type;
    const char *since; /* first libvirt version that parses it on this kind */
};

struct kind {
    const char *name;
    const char *since;           /* first libvirt version that knows the kind */
    bool root;                   /* a root bus */
    const char *implied;         /* what the legacy form implies, or NULL */
    const char *implied_pseries; /* what it implies in a pSeries guest, or NULL */
    const struct kind_implementation *implementations;
    size_t implementation_count;
    const struct kind_target *targets; /* what its controllers may hold */
    size_t target_count;
};

extern const struct kind kinds_table[];
extern const size_t kinds_count;

/* The first libvirt version that parses <model name> (1.2.19 as 1002019). */
extern const unsigned long kinds_model_name_since;

/* The kind's <target> attribute or child called `name` (as in struct kind_target), or NULL. */
const struct kind_target *kind_find_target(const struct kind *kind, const char *name);

/*
 * Writes "a, b, c": the names of the kind's <target> attributes
 * (`elements` false) or of its children ("target/node", "pcihole64").
 */
void kind_list_targets(const struct kind *kind, bool elements, char *out, size_t size);

/* Writes "a, b and c": the kinds that have a target or child called `name`. */
void kinds_list_having_target(const char *name, char *out, size_t size);

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
