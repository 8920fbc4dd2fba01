#include "schema.h"
#include "libxml_compat.h"

#include <stdio.h>
#include <string.h>

static void on_validity_error(void *state, libxml_error error)
{
    struct schema_failure *failure = state;
    size_t len;

    if (error->code == XML_ERR_NO_MEMORY)
        failure->nomem = true;
    /* Keep the first error that names an element: it has a position. */
    if (failure->node != NULL || (failure->message[0] != '\0' && error->node == NULL))
        return;
    failure->node = error->node;
    failure->line = error->line;
    snprintf(failure->message, sizeof(failure->message), "%s",
             error->message ? error->message : "not valid");
    len = strlen(failure->message);
    while (len > 0 && (failure->message[len - 1] == '\n' || failure->message[len - 1] == ' '))
        failure->message[--len] = '\0';
}

int schema_validate(xmlRelaxNGPtr schema, xmlDocPtr doc, struct schema_failure *failure)
{
    xmlRelaxNGValidCtxtPtr vctxt;
    int rc;

    memset(failure, 0, sizeof(*failure));
    vctxt = xmlRelaxNGNewValidCtxt(schema);
    if (vctxt == NULL)
        return -1;
    xmlRelaxNGSetValidStructuredErrors(vctxt, on_validity_error, failure);
    rc = xmlRelaxNGValidateDoc(vctxt, doc);
    xmlRelaxNGFreeValidCtxt(vctxt);
    xmlResetLastError(); /* libxml2's per-thread copy of the last error */
    if (failure->nomem || rc < 0)
        return -1;
    return rc == 0 ? 0 : 1;
}
