/*
 * Downgrade, for libvirt 9.0.0 and for the legacy form, both on every
 * input.  Besides the API's contract: when the legacy form `down` of a
 * document upgrades (it may be refused: a model-only pci-root in a domain
 * that does not say whether it is a pSeries guest), that downgrades to
 * `down` again.  (Not upgrade(down) == x: the white space around an
 * explicit subType has no legacy spelling.)
 */
#include "harness.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *input = (const char *)data;
    char *down = NULL, *up = NULL, *down_again = NULL;
    size_t down_len, up_len, down_again_len;
    int rc;

    if (size > HARNESS_MAX_INPUT)
        return 0;
    (void)harness_convert(HARNESS_LIBVIRT_9_0_0, input, size, &down, &down_len, NULL);
    free(down);
    down = NULL;
    if (harness_convert(HARNESS_LEGACY, input, size, &down, &down_len, NULL) != DOMCOMPAT_OK)
        goto out;
    rc = harness_convert(HARNESS_EXPLICIT, down, down_len, &up, &up_len, NULL);
    if (rc == DOMCOMPAT_EREFUSED)
        goto out;
    if (rc != DOMCOMPAT_OK)
        harness_fail("upgrade of a downgrade's result: code %d", rc);
    if (harness_convert(HARNESS_LEGACY, up, up_len, &down_again, &down_again_len, NULL) !=
        DOMCOMPAT_OK)
        harness_fail("downgrade of an upgraded legacy document failed");
    harness_expect_same("downgrade(upgrade(down)) == down", down_again, down_again_len, down,
                        down_len);
out:
    free(down_again);
    free(up);
    free(down);
    return 0;
}
