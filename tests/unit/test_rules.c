/*
 * Running rules locked down: a failing rule is named, and no rule can read
 * or write a file, whatever it asks for.  The lock-down tested is the
 * library's own: a context's security preferences, as conversions use
 * them.
 */
#include "testutil.h"

#include <libxml/parser.h>
#include <libxslt/security.h>
#include <libxslt/xsltInternals.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "context.h"
#include "rules.h"

static const char document[] = "<domain><devices><controller type='pci' index='0' "
                               "model='pcie-root'/></devices></domain>";

static domcompat_context *ctx;

static int setup(void **state)
{
    domcompat_error err;

    (void)state;
    return domcompat_context_new(&ctx, &err) == DOMCOMPAT_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    domcompat_context_free(ctx);
    return 0;
}

/* Runs a one-rule stylesheet whose named template `broken.upgrade` does `body`. */
static int run_rule(const char *body, domcompat_error *err)
{
    char sheet_text[2048];
    xmlDocPtr sheet_doc, doc;
    xsltStylesheetPtr sheet;
    struct rule_run run;
    int rc;

    snprintf(sheet_text, sizeof(sheet_text),
             "<xsl:stylesheet version='1.1' xmlns:xsl='http://www.w3.org/1999/XSL/Transform'>"
             "<xsl:template match='/'><xsl:call-template name='broken.upgrade'/></xsl:template>"
             "<xsl:template name='broken.upgrade'>%s</xsl:template></xsl:stylesheet>",
             body);
    sheet_doc = xmlReadMemory(sheet_text, (int)strlen(sheet_text), "rule.xsl", NULL, 0);
    sheet = xsltParseStylesheetDoc(sheet_doc);
    doc = xmlReadMemory(document, (int)strlen(document), "doc.xml", NULL, 0);
    assert_non_null(sheet);
    assert_non_null(doc);
    rc = rules_run(&run, sheet, ctx->security, doc, NULL, 0, 1, err);
    rules_run_free(&run);
    xmlFreeDoc(doc);
    xsltFreeStylesheet(sheet);
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

/*
 * A file the test can read: without the lock-down, the rule would answer
 * with its content, and the run would succeed.
 */
static void test_rules__cannot_read_a_local_file(void **state)
{
    char path[] = "/tmp/domcompat-rules-XXXXXX", body[768];
    domcompat_error err;
    FILE *f;
    int fd;

    (void)state;
    assert_true((fd = mkstemp(path)) >= 0);
    assert_non_null(f = fdopen(fd, "w"));
    fputs("<secret>do not read me</secret>\n", f);
    assert_int_equal(fclose(f), 0);
    snprintf(body, sizeof(body),
             "<dc:conversion xmlns:dc='urn:domcompat:rules'><dc:controller>"
             "<dc:refused rule='broken' kind='k' reason=\"{document('%s')}\"/>"
             "</dc:controller></dc:conversion>",
             path);
    assert_int_equal(run_rule(body, &err), DOMCOMPAT_EINTERNAL);
    unlink(path);
    assert_non_null(strstr(err.message, "rule broken failed"));
    assert_null(strstr(err.message, "do not read me"));
}

static void test_rules__cannot_write_a_file(void **state)
{
    char dir[] = "/tmp/domcompat-rules-XXXXXX", body[512], path[256];
    domcompat_error err;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/written", dir);
    /* xsl:document, which libxslt knows without libexslt. */
    snprintf(body, sizeof(body), "<xsl:document href='%s'><x/></xsl:document>", path);
    assert_int_equal(run_rule(body, &err), DOMCOMPAT_EINTERNAL);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(rmdir(dir), 0);
}

/* Every kind of access libxslt can forbid is forbidden. */
static void test_rules__the_context_forbids_every_access(void **state)
{
    static const xsltSecurityOption options[] = {
        XSLT_SECPREF_READ_FILE,    XSLT_SECPREF_WRITE_FILE,    XSLT_SECPREF_CREATE_DIRECTORY,
        XSLT_SECPREF_READ_NETWORK, XSLT_SECPREF_WRITE_NETWORK,
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(options) / sizeof(options[0]); i++)
        assert_ptr_equal(xsltGetSecurityPrefs(ctx->security, options[i]), xsltSecurityForbid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules__terminating_rule_fails_with_its_name),
        cmocka_unit_test(test_rules__cannot_read_a_local_file),
        cmocka_unit_test(test_rules__cannot_write_a_file),
        cmocka_unit_test(test_rules__the_context_forbids_every_access),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
