/*
 * Bounds on what one document may hold, checked on the raw bytes before
 * libxml2 sees them.  libxml2 2.9.14 spends quadratic time on an element
 * with tens of thousands of attributes before any callback could stop it,
 * so the guard has to run first; it is one linear pass.  libxml2 2.12.0
 * made that linear ("parser: Use hash tables to avoid quadratic
 * behavior"; measured with xmllint: 80 000 attributes take 34 s with
 * 2.9.14, 0.2 s with 2.15.4), but the bounds are limits on every version,
 * so nothing here depends on it.
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
/*
 * The most bytes a document within a size limit of `max_size` may take:
 * what domcompat's conversions write in PCI controllers is not counted
 * against the limit (see bounds.c), and never makes a document more than
 * BOUNDS_SIZE_CAP_FACTOR times as large as what is counted.
 */
#define BOUNDS_SIZE_CAP_FACTOR 4
size_t bounds_size_cap(size_t max_size);

int bounds_check(const domcompat_limits *limits, const char *data, size_t len,
                 struct source_map_builder *tags, domcompat_error *err);

#endif
