/* The command-line tool's knowledge of libvirt's own files, which libvirt reads back. */
#ifndef DOMCOMPAT_TOOL_LIBVIRT_FILES_H
#define DOMCOMPAT_TOOL_LIBVIRT_FILES_H

#include <stddef.h>

/*
 * Why the file holding `data`, in the directory `dir_fd`, is one libvirt
 * reads (it carries the AUTO-GENERATED header libvirt writes into its
 * files, or it lies under a directory where libvirt keeps definitions), in
 * words completing "it ...", or NULL.
 */
const char *tool_libvirt_owned(const char *data, size_t len, int dir_fd, char *buf, size_t size);

#endif
