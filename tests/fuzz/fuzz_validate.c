/*
 * Validation with the form detected.  Besides the API's contract: a valid
 * document's detected form is a real one, and the document is also valid
 * when that form is asked for by name (every form, for a document without
 * PCI controllers).
 */
#include "harness.h"

#include <string.h>

static void expect_valid(const char *input, size_t size, domcompat_form form,
                         domcompat_form detected)
{
    domcompat_form checked = DOMCOMPAT_FORM_AUTO;
    domcompat_error err;
    int rc;

    memset(&err, 0, sizeof(err));
    rc = domcompat_validate(&checked, harness_context(), form, input, size, &err);
    if (rc != DOMCOMPAT_OK || checked != form)
        harness_fail("validate: detected %s, but the %s form gives code %d (checked %s): %s",
                     domcompat_form_name(detected), domcompat_form_name(form), rc,
                     domcompat_form_name(checked), err.message);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *input = (const char *)data;
    domcompat_form form = DOMCOMPAT_FORM_AUTO;
    domcompat_error err;
    int rc;

    if (size > HARNESS_MAX_INPUT)
        return 0;
    memset(&err, 0, sizeof(err));
    rc = domcompat_validate(&form, harness_context(), DOMCOMPAT_FORM_AUTO, input, size, &err);
    if (rc == DOMCOMPAT_EINVALID) {
        if (err.message[0] == '\0' || err.code != rc)
            harness_fail("validate: invalid without a message or with code %d", err.code);
        return 0;
    }
    if (rc != DOMCOMPAT_OK)
        harness_fail("validate: code %d: %s", rc, err.message);
    if (form == DOMCOMPAT_FORM_AUTO || domcompat_form_name(form) == NULL)
        harness_fail("validate: valid in no form");
    if (form == DOMCOMPAT_FORM_ANY) {
        expect_valid(input, size, DOMCOMPAT_FORM_LEGACY, form);
        expect_valid(input, size, DOMCOMPAT_FORM_EXPLICIT, form);
        expect_valid(input, size, DOMCOMPAT_FORM_MIXED, form);
        expect_valid(input, size, DOMCOMPAT_FORM_LIBVIRT, form);
    } else {
        expect_valid(input, size, form, form);
    }
    return 0;
}
