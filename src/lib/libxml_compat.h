/*
 * What differs between the libxml2 versions domcompat builds against.
 *
 * Each difference is named here once, with the version that brought it, so
 * the rest of the library is written for both sides and a workaround can be
 * dropped by deleting its branch when the oldest supported libxml2 passes
 * that version.
 */
#ifndef DOMCOMPAT_LIBXML_COMPAT_H
#define DOMCOMPAT_LIBXML_COMPAT_H

#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

/*
 * libxml2 2.12 made the error handed to a structured error handler const
 * (xmlStructuredErrorFunc takes a const xmlError *); 2.9 to 2.11 hand an
 * xmlErrorPtr.  Since GCC 14 the mismatch is an error, so every handler
 * takes a libxml_error and fits the xmlStructuredErrorFunc of the libxml2
 * it is compiled against.  Handlers never write through it.
 */
#if LIBXML_VERSION >= 21200
typedef const xmlError *libxml_error;
#else
typedef xmlError *libxml_error;
#endif

#endif
