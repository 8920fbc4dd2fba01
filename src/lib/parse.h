/*
 * Reading one document from memory the hardened way (see README, "Bad
 * input"): no DOCTYPE, no network, no other file, UTF-8 only, a root
 * <domain> in no namespace.
 */
#ifndef DOMCOMPAT_PARSE_H
#define DOMCOMPAT_PARSE_H

#include <libxml/tree.h>
#include <stddef.h>

#include "domcompat.h"

/*
 * Parses `data`.  Returns DOMCOMPAT_OK with *out holding the tree, or
 * DOMCOMPAT_EINVALID / DOMCOMPAT_ENOMEM / DOMCOMPAT_EUSAGE with *out NULL
 * and `err` saying what was found and where.
 */
int parse_document(xmlDocPtr *out, const char *data, size_t len, domcompat_error *err);

/*
 * The tree holds only what the skeleton reads (see parse.c); each of its
 * elements knows its ordinal: how many elements of the whole document
 * start before it, so its start tag is source_map.tags[ordinal].  Returns
 * 0, or -1 for a node parse_document() did not make.  (The ordinal is
 * kept in the node's `psvi`, which only XML Schema validation would use;
 * nothing validates this tree.)
 */
int parse_element_ordinal(const xmlNode *element, size_t *ordinal);

/* Line and column of an element's start tag, from the raw bytes. */
void parse_element_position(const char *data, size_t len, xmlNode *element, unsigned long *line,
                            unsigned long *column);

#endif
