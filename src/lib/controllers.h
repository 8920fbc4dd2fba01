/*
 * The PCI controllers of a domain: finding them, telling their form, and
 * explaining in plain words what is wrong with one when the schema says no.
 */
#ifndef DOMCOMPAT_CONTROLLERS_H
#define DOMCOMPAT_CONTROLLERS_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

#include "domcompat.h"

struct kind;

struct pci_controllers {
    xmlNode **nodes; /* /domain/devices/controller[@type='pci'], in document order */
    size_t count;
};

/*
 * Collects the PCI controllers into `pci` and, when `all` is not NULL,
 * every <controller> child of a <devices> of the root into `all` (the
 * children a grammar judges one at a time: skeleton.h).  Returns 0, or -1
 * when out of memory.
 */
int controllers_collect(struct pci_controllers *pci, struct pci_controllers *all, xmlDocPtr doc);

/*
 * Every <controller> not where controllers belong, in document order
 * (controllers_next_misplaced()).  Returns 0, or -1 when out of memory.
 */
int controllers_collect_misplaced(struct pci_controllers *out, xmlDocPtr doc);

/* Whether `node` is a <controller type='pci'>. */
bool controllers_is_pci(const xmlNode *node);

/*
 * The kind a PCI controller names (subType, else model), or NULL: the
 * only kind whose alternatives in any form's grammar can match it.
 */
const struct kind *controllers_kind(const xmlNode *node);
void controllers_free(struct pci_controllers *list);

/*
 * EXPLICIT (all with subType), LIBVIRT (none with subType, some with a
 * <model> child), LEGACY (model only), MIXED, or ANY when there are none.
 */
domcompat_form controllers_form(const struct pci_controllers *list);

/*
 * After a document failed the schema of `expected`, looks for the first
 * controller problem a user can act on (unknown kind, implementation of
 * another kind, bad index, wrong form...) and describes it in `err` with
 * its position.  Returns false when it finds none, so the caller reports
 * the schema's own message.
 */
bool controllers_diagnose(xmlDocPtr doc, const struct pci_controllers *list,
                          domcompat_form expected, const char *data, size_t len,
                          domcompat_error *err);

/*
 * libvirt refuses two PCI controllers with one index; so does domcompat,
 * naming both.  Call on a valid document (indexes are unsigned ints).
 * Returns DOMCOMPAT_OK, DOMCOMPAT_EINVALID or DOMCOMPAT_ENOMEM.
 */
int controllers_check_indexes(const struct pci_controllers *list, const char *data, size_t len,
                              domcompat_error *err);

/*
 * The next <controller> after `after` (NULL: from the start), in document
 * order, that is not where controllers belong (a child of /domain/devices);
 * NULL when there is none.
 */
xmlNode *controllers_next_misplaced(xmlNode *root, xmlNode *after);

#endif
