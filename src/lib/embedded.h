/*
 * The linked stylesheets and schemas, compiled into the library at build
 * time (build/gen/embedded.c), so domcompat never looks for them on disk.
 */
#ifndef DOMCOMPAT_EMBEDDED_H
#define DOMCOMPAT_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
    const char *name; /* the file's name under build/, for messages */
    const unsigned char *data;
    size_t len;
};

extern const struct embedded_file embedded_upgrade_xsl;
extern const struct embedded_file embedded_downgrade_xsl;
extern const struct embedded_file embedded_legacy_rng;
extern const struct embedded_file embedded_explicit_rng;
extern const struct embedded_file embedded_libvirt_rng;
extern const struct embedded_file embedded_mixed_rng;

#endif
