/* RelaxNG validation of a parsed document, with the first error kept. */
#ifndef DOMCOMPAT_SCHEMA_H
#define DOMCOMPAT_SCHEMA_H

#include <libxml/relaxng.h>
#include <stdbool.h>

struct schema_failure {
    bool nomem;
    xmlNode *node; /* the element the first error is about, or NULL */
    int line;
    char message[512]; /* libxml2's text, trimmed */
};

/*
 * Validates `doc`.  Returns 0 when valid, 1 when not (with `failure`
 * filled), -1 when validation itself failed (out of memory).
 */
int schema_validate(xmlRelaxNGPtr schema, xmlDocPtr doc, struct schema_failure *failure);

#endif
