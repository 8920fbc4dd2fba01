/*
 * Bounds on what one document may hold, checked on the raw bytes before
 * libxml2 sees them.  libxml2 2.9.14 spends quadratic time on an element
 * with tens of thousands of attributes before any callback could stop it,
 * so the guard has to run first; it is one linear pass.
 */
#ifndef DOMCOMPAT_BOUNDS_H
#define DOMCOMPAT_BOUNDS_H

#include <stddef.h>

#include "domcompat.h"
#include "sourcemap.h"

/*
 * Returns DOMCOMPAT_OK, or DOMCOMPAT_EINVALID with `err` naming the limit,
 * the position and the option that raises it.  Bytes that are not
 * well-formed are left for the parser to report.  With `tags`, the tags
 * passed are also given to it, so that the writer's map of the bytes
 * (sourcemap.h) costs no second pass.
 */
int bounds_check(const domcompat_limits *limits, const char *data, size_t len,
                 struct source_map_builder *tags, domcompat_error *err);

#endif
