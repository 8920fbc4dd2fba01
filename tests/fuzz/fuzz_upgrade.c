/*
 * Upgrade (conversion to the explicit form).  Besides the API's contract,
 * when the upgrade's result `up` downgrades to the legacy form:
 *   - upgrading that gives `up` again, byte for byte, when the input was in
 *     the legacy form (or had no PCI controllers), and the downgrade gives
 *     the input back;
 *   - otherwise upgrade keeps the input's explicit start tags as written,
 *     and their layout (the white space around subType) cannot survive the
 *     legacy form, so the law is checked one round later: when the legacy
 *     document `down` upgrades (it may be refused: an explicit pci-root
 *     says what a model-only one cannot), that downgrades to `down` again.
 */
#include "harness.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *input = (const char *)data;
    char *up = NULL, *down = NULL, *again = NULL, *down_again = NULL;
    size_t up_len, down_len, again_len, down_again_len;
    domcompat_form form;
    int rc;

    if (size > HARNESS_MAX_INPUT)
        return 0;
    if (harness_convert(HARNESS_EXPLICIT, input, size, &up, &up_len, &form) != DOMCOMPAT_OK)
        goto out;
    if (harness_convert(HARNESS_LEGACY, up, up_len, &down, &down_len, NULL) != DOMCOMPAT_OK)
        goto out;
    rc = harness_convert(HARNESS_EXPLICIT, down, down_len, &again, &again_len, NULL);
    if (form == DOMCOMPAT_FORM_LEGACY || form == DOMCOMPAT_FORM_ANY) {
        if (rc != DOMCOMPAT_OK)
            harness_fail("upgrade of the legacy form of an upgrade: code %d", rc);
        harness_expect_same("downgrade(upgrade(x)) == x", down, down_len, input, size);
        harness_expect_same("upgrade(downgrade(up)) == up", again, again_len, up, up_len);
    } else if (rc == DOMCOMPAT_OK) {
        if (harness_convert(HARNESS_LEGACY, again, again_len, &down_again, &down_again_len, NULL) !=
            DOMCOMPAT_OK)
            harness_fail("downgrade of an upgraded legacy document failed");
        harness_expect_same("downgrade(upgrade(down)) == down", down_again, down_again_len, down,
                            down_len);
    } else if (rc != DOMCOMPAT_EREFUSED) {
        harness_fail("upgrade of the legacy form of an upgrade: code %d", rc);
    }
out:
    free(down_again);
    free(again);
    free(down);
    free(up);
    return 0;
}
