/*
 * What a file holds, told from its first bytes: a batch walking a libvirt
 * configuration directory meets other objects (networks/default.xml,
 * whose root is <network>), which it skips rather than reports as
 * invalid domains.
 */
#ifndef DOMCOMPAT_TOOL_SNIFF_H
#define DOMCOMPAT_TOOL_SNIFF_H

#include <stddef.h>

/*
 * Writes into `name` (at most `size` bytes) the name of the document's
 * root element as its start tag spells it ("network", "x:domain"; cut at
 * the first byte that is not an ASCII letter, digit, '.', '_', ':' or
 * '-'), after
 * a byte order mark, the XML declaration, comments, processing
 * instructions and a DOCTYPE.  Returns 0, or -1 when no start tag comes
 * first (not XML, or cut before one).  Nothing else is checked: a caller
 * asks only about documents the library already found invalid.
 */
int tool_sniff_root(const char *data, size_t len, char *name, size_t size);

#endif
