/*
 * Running rules locked down: a failing rule is named, and no rule can read
 * a file, whatever it asks for.
 */
#include "testutil.h"

#include <libxml/parser.h>
#include <libxslt/security.h>
#include <libxslt/xsltInternals.h>

#include "rules.h"

static const char document[] = "<domain><devices><controller type='pci' index='0' "
                               "model='pcie-root'/></devices></domain>";

/* Runs a one-rule stylesheet whose named template `rule.upgrade` does `body`. */
static int run_rule(const char *body, domcompat_error *err)
{
    char sheet_text[2048];
    xmlDocPtr sheet_doc, doc;
    xsltStylesheetPtr sheet;
    xsltSecurityPrefsPtr security = xsltNewSecurityPrefs();
    struct rule_run run;
    int rc;

    snprintf(sheet_text, sizeof(sheet_text),
             "<xsl:stylesheet version='1.0' xmlns:xsl='http://www.w3.org/1999/XSL/Transform'>"
             "<xsl:template match='/'><xsl:call-template name='broken.upgrade'/></xsl:template>"
             "<xsl:template name='broken.upgrade'>%s</xsl:template></xsl:stylesheet>",
             body);
    sheet_doc = xmlReadMemory(sheet_text, (int)strlen(sheet_text), "rule.xsl", NULL, 0);
    sheet = xsltParseStylesheetDoc(sheet_doc);
    doc = xmlReadMemory(document, (int)strlen(document), "doc.xml", NULL, 0);
    assert_non_null(sheet);
    assert_non_null(doc);
    assert_int_equal(xsltSetSecurityPrefs(security, XSLT_SECPREF_READ_FILE, xsltSecurityForbid), 0);
    assert_int_equal(xsltSetSecurityPrefs(security, XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid),
                     0);
    rc = rules_run(&run, sheet, security, doc, NULL, 0, 1, err);
    rules_run_free(&run);
    xmlFreeDoc(doc);
    xsltFreeStylesheet(sheet);
    xsltFreeSecurityPrefs(security);
    return rc;
}

static void test_rules__terminating_rule_fails_with_its_name(void **state)
{
    domcompat_error err;

    (void)state;
    assert_int_equal(run_rule("<xsl:message terminate='yes'>cannot go on</xsl:message>", &err),
                     DOMCOMPAT_EINTERNAL);
    assert_non_null(strstr(err.message, "rule broken failed: cannot go on"));
}

static void test_rules__cannot_read_a_local_file(void **state)
{
    domcompat_error err;

    (void)state;
    assert_int_equal(
        run_rule("<secret><xsl:copy-of select=\"document('/etc/passwd')\"/></secret>", &err),
        DOMCOMPAT_EINTERNAL);
    assert_non_null(strstr(err.message, "rule broken failed"));
    assert_null(strstr(err.message, "root:"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules__terminating_rule_fails_with_its_name),
        cmocka_unit_test(test_rules__cannot_read_a_local_file),
    };

    xmlInitParser();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
