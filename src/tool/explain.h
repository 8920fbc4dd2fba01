/*
 * explain: the hardware each PCI controller of a document gives the guest
 * (implementation, PCI ID, address, buses, and the QEMU -device argument a
 * libvirt version writes for it), or the PCI topology (--tree).
 */
#ifndef DOMCOMPAT_TOOL_EXPLAIN_H
#define DOMCOMPAT_TOOL_EXPLAIN_H

#include <stddef.h>
#include <stdio.h>

#include "domcompat.h"

struct tool_explain {
    /* The user's reading of model-only controllers (--assume, --from, --source-caps). */
    const char *const *assumed_kinds; /* the KIND of each --assume */
    size_t assumed_count;
    const char *source; /* --from as a peer ("libvirt-3.2.0"), or NULL for legacy */
    int source_caps;    /* --source-caps was given */
    /* The libvirt that would run the domain: --to as a peer, or NULL for the oldest that reads
     * the document. */
    const char *target;
    const char *target_qemu; /* --target-caps' QEMU version ("7.2.22"), or NULL */
    const char *target_caps; /* --target-caps as given, or NULL */
    int tree;
    int json;
};

/*
 * Writes what `data` (a document the library read: `reading`, its upgrade to
 * the explicit form under the user's options, refused or not) gives the guest
 * to `out`, as text or as one JSON document object.  `checked`: check's
 * result for the --to peer, or NULL; its problems are shown next to the
 * controllers they concern.  `name` is the file as messages show it.
 * Returns the document's exit status (0, or 1 when a controller's
 * implementation is unknown or check found a problem), or -1 when out of
 * memory or the document cannot be read again.
 */
int tool_explain_document(const struct tool_explain *e, const char *name, const char *data,
                          size_t len, const domcompat_result *reading,
                          const domcompat_result *checked, int status, FILE *out);

#endif
