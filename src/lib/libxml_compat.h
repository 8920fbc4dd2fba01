/*
 * What differs between the libxml2 versions domcompat builds against.
 *
 * Each difference is named here once, with the version that brought it, so
 * the rest of the library is written for both sides and a workaround can be
 * dropped by deleting its branch when the oldest supported libxml2 passes
 * that version.  Tested: 2.9.14 (Debian 12; Debian 13's 2.12.7+really2.9.14
 * is the same code, and its headers say 2.9.14) and 2.15.4 (Debian
 * unstable).  Differences handled elsewhere, because they are not about
 * the API:
 *
 *   - libxml2's wording of encoding and character errors changed by 2.15
 *     (2.13 reworded and consolidated its messages): domcompat words those
 *     itself (parse.c, check_declared_encoding() and
 *     report_bad_character()), so its messages are the same on both;
 *   - the RELAX NG validator dereferences failed allocations in 2.9.14 and,
 *     still, in 2.15.4: the memory reserve (reserve.h) serves both.
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

/*
 * The thread's structured error handler, put aside while a call of the
 * library installs its own and given back after.  libxml2 documents
 * reading the thread-local xmlStructuredError and xmlStructuredErrorContext
 * as deprecated (2.15.4's xmlerror.h: "@deprecated See
 * xmlSetStructuredErrorFunc()", which only sets; 2.9.14's globals.h does
 * not), yet no version up to 2.15.4 offers a getter, and errors raised
 * outside the handlers of a context (creating a parser context, say) still
 * reach only the thread's handler, which by default prints to stderr.  So
 * this is the one place that reads them.  Up to 2.15.4 the compiler is not
 * told (__xmlStructuredError() has no XML_DEPRECATED); should a libxml2
 * tell it, the warning is silenced here alone, the behaviour being the same.
 */
struct libxml_handler {
    xmlStructuredErrorFunc handler;
    void *context;
};

static inline void libxml_handler_install(struct libxml_handler *saved, void *context,
                                          xmlStructuredErrorFunc handler)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    saved->handler = xmlStructuredError;
    saved->context = xmlStructuredErrorContext;
#pragma GCC diagnostic pop
    xmlSetStructuredErrorFunc(context, handler);
}

static inline void libxml_handler_restore(const struct libxml_handler *saved)
{
    xmlSetStructuredErrorFunc(saved->context, saved->handler);
}

#endif
