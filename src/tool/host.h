/* The command-line tool's knowledge of this machine's libvirt: `host` as a peer. */
#ifndef DOMCOMPAT_TOOL_HOST_H
#define DOMCOMPAT_TOOL_HOST_H

#include <stddef.h>

enum tool_host_status {
    TOOL_HOST_OK,
    TOOL_HOST_NO_LIBVIRT, /* libvirt's library is not installed */
    TOOL_HOST_ERROR       /* it is, but did not answer */
};

/*
 * The version of the libvirt installed here, as a peer name
 * ("libvirt-9.0.0") in `out`, found without a daemon (see host.c).  On
 * anything but TOOL_HOST_OK, `why` says what happened, without a prefix.
 * Forks: call it before starting threads.
 */
enum tool_host_status tool_host_libvirt_version(char *out, size_t size, char *why, size_t why_size);

/*
 * Replaces `name` by this host's peer name when it is "host"; a usage
 * error otherwise.  Returns `name`, `buf` (holding the peer), or NULL
 * after writing a message for `what` ("--to", "to = host") to `why`.
 */
const char *tool_host_resolve(const char *name, char *buf, size_t size, const char *what, char *why,
                              size_t why_size);

#endif
