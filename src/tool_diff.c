#include "tool_diff.h"
int tool_diff_write(FILE *to, const char *old_label, const char *new_label, const char *old,
                    size_t old_len, const char *new_, size_t new_len, int color)
{
    (void)old;
    (void)old_len;
    (void)new_;
    (void)new_len;
    (void)color;
    fprintf(to, "--- %s\n+++ %s\n(stub)\n", old_label, new_label);
    return 0;
}
