/* The command-line tool's QEMU capabilities files: --source-caps, --target-caps, target-caps =
 * auto. */
#ifndef DOMCOMPAT_TOOL_CAPS_H
#define DOMCOMPAT_TOOL_CAPS_H

#include "domcompat.h"

/* Where libvirt's QEMU driver keeps its capabilities cache, one file per QEMU binary. */
#define TOOL_CAPS_CACHE_DIR "/var/cache/libvirt/qemu/capabilities"

/*
 * Reads and parses the capabilities file `path` given as `what`
 * ("--target-caps", "target-caps ="): 0 with *out to free, or the exit
 * status (2; 4 when out of memory) after a message naming the file, the
 * line and what was expected (none when `quiet`).
 */
int tool_caps_load(const char *path, const char *what, int quiet, domcompat_caps **out);

/*
 * The capabilities libvirt keeps in `dir` for the QEMU that runs the
 * domain `data` (domcompat_caps_fits): 0 with *out to free, 1 with *out
 * NULL when the domain cannot be read (converting it will say why), or the
 * exit status (2) when no file fits, after a message for `label` naming
 * the setting `what` ("target-caps = auto"; none when NULL).
 */
int tool_caps_for_domain(const char *dir, const char *label, const char *what, const char *data,
                         size_t len, domcompat_caps **out);

#endif
