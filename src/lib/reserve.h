/*
 * A reserve of memory for libxml2 and libxslt to fall back on while the
 * library calls code of theirs that does not survive a failed allocation.
 *
 * libxml2 2.9.14's RelaxNG validator dereferences the NULL of a failed
 * allocation in several places (a validation state made in
 * xmlRelaxNGValidateDefinition, copied for <optional> and <zeroOrMore>),
 * so running out of memory while validating would crash the process.
 * 2.15.4 still does, although libxml2 2.13's news says most of its core
 * reports failed allocations now (the news of 2.14 and 2.15 call RELAX NG
 * support "still in a bad state").  Measured with tests/unit/test_nomem.c
 * run without the reserve, each failed allocation in a child process: with
 * libxml2 2.9.14 and libxslt 1.1.35, the first three tests crashed at 800
 * of 6 400 points, in xmlRelaxNGValidateDoc, in libxml2's XPath evaluation
 * under xsltApplyStylesheetUser, and in libxslt itself (global variables);
 * with 2.15.4 and 1.1.45, the first test crashed at 32 of 1 689 points,
 * in xmlRelaxNGValidateDoc and in libxslt's xsltEvalGlobalVariables after
 * "xsltCopyStackElem : malloc failed", no longer in XPath.  Neither RELAX
 * NG nor libxslt is fixed as of libxml2 2.15.4 and libxslt 1.1.45, so the
 * reserve serves every version: none is known to do without it.
 * Nor is a failure always reported as one: 2.15.4 gives a RelaxNG grammar
 * that could not be compiled for want of memory an error without a message.
 * No grammar or caller can avoid that, so the library routes libxml2's
 * allocations through functions of its own, which chain to the ones
 * libxml2 had: outside a reserve scope they change nothing, and inside one
 * an allocation the allocator cannot give is served from a fixed reserve
 * and the scope remembers that it happened.  The caller then reports
 * out of memory and trusts nothing libxml2 made in the scope.  Blocks
 * from the reserve go back to it when libxml2 frees them, inside the
 * scope or after it.
 */
#ifndef DOMCOMPAT_RESERVE_H
#define DOMCOMPAT_RESERVE_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes the reserve holds for all threads together. */
#define RESERVE_SIZE (256 * 1024)

struct reserve_scope {
    struct reserve_scope *outer; /* the thread's enclosing scope, if any */
    bool ran_out;                /* an allocation failed in this scope */
};

/*
 * Routes libxml2's allocation functions through the reserve, chaining to
 * the ones installed now; does it once per process.  Like xmlMemSetup(),
 * it must run before other threads use libxml2.  Returns 0, or -1 when
 * libxml2 refuses the functions.
 */
int reserve_install(void);

/* Opens a scope on the calling thread; scopes nest. */
void reserve_begin(struct reserve_scope *scope);

/*
 * Closes the thread's innermost scope; returns whether an allocation
 * failed in it (and then in its enclosing scope too), served from the
 * reserve or not.
 */
bool reserve_end(struct reserve_scope *scope);

/* Whether an allocation has failed so far in the calling thread's innermost scope. */
bool reserve_ran_out(void);

/* Blocks of the reserve handed out and not given back yet: 0 between calls. */
size_t reserve_blocks_in_use(void);

#endif
