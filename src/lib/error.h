/* Filling the caller's domcompat_error. */
#ifndef DOMCOMPAT_ERROR_H
#define DOMCOMPAT_ERROR_H

#include "domcompat.h"

/*
 * Sets *err (when err is not NULL) and returns `code`, so a failing path
 * can end with `rc = error_set(err, ...)`.  A message longer than the
 * struct holds is cut at a UTF-8 character boundary.
 */
int error_set(domcompat_error *err, int code, unsigned long line, unsigned long column,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The usual out-of-memory error. */
int error_nomem(domcompat_error *err);

#endif
