#ifndef DOMCOMPAT_TOOL_DIFF_H
#define DOMCOMPAT_TOOL_DIFF_H
#include <stdio.h>
int tool_diff_write(FILE *to, const char *old_label, const char *new_label, const char *old,
                    size_t old_len, const char *new_, size_t new_len, int color);
#endif
