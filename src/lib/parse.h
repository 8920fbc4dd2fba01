/*
 * Reading one document from memory the hardened way (see README, "Bad
 * input"): no DOCTYPE, no network, no other file, UTF-8 only, a root
 * <domain> in no namespace.
 */
#ifndef DOMCOMPAT_PARSE_H
#define DOMCOMPAT_PARSE_H

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

#include "domcompat.h"
#include "libxml_compat.h"

/*
 * What one parse by libxml2 reported: its first error of level
 * XML_ERR_ERROR or worse (not the stop that follows a DOCTYPE), and
 * whether it met a DOCTYPE.
 */
struct parse_errors {
    bool doctype;
    bool failed;
    int code;
    int line;
    int column;
    char detail[160];  /* error->str1, e.g. the redefined attribute's name */
    char message[512]; /* one line, trailing spaces trimmed */
};

/*
 * Makes `ctxt` record its errors in `errors` and stop at any DOCTYPE
 * before its declarations are read, so no entity is ever defined, expanded
 * or loaded.  ctxt->_private becomes `errors` (a structure may begin with
 * it and take its place).
 */
void parse_errors_attach(xmlParserCtxtPtr ctxt, struct parse_errors *errors);

/* Records an error in the struct parse_errors `errors`: a thread's handler too. */
void parse_errors_record(void *errors, libxml_error error);

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
