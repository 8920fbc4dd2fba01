/* The command-line tool's libvirt hook mode: domcompat hook, for /etc/libvirt/hooks/qemu. */
#ifndef DOMCOMPAT_TOOL_HOOK_H
#define DOMCOMPAT_TOOL_HOOK_H

/*
 * Runs `domcompat hook [--config FILE] GUEST OPERATION SUB-OPERATION
 * [EXTRA...]`; argv[0] is "hook".  For "migrate begin" and "restore begin"
 * it converts the domain XML on standard input for the peer its
 * configuration names and writes the result on standard output only when
 * it differs; any other operation exits 0 at once.  Returns the exit
 * status (the tool's: 0 done, 1 refused, 2 usage or configuration error,
 * 3 invalid input, 4 I/O or internal error).
 */
int tool_hook_main(int argc, char **argv);

#endif
