/*
 * What domcompat reads of a document's encoding by itself, so that its
 * messages do not depend on the libxml2 it runs with: the declared
 * encoding, and the first byte that is not UTF-8 or not an XML character.
 */
#include "testutil.h"

#include "encoding.h"

/* The declared encoding of `doc`, or "" when encoding_declared() finds none. */
static const char *declared(const char *doc)
{
    static char name[64];
    const char *at;
    size_t len;

    if (!encoding_declared(doc, strlen(doc), &at, &len))
        return "";
    assert_true(len < sizeof(name));
    memcpy(name, at, len);
    name[len] = '\0';
    return name;
}

static void test_encoding__reads_the_declared_name_as_written(void **state)
{
    (void)state;
    assert_string_equal(declared("<?xml version='1.0' encoding='ISO-8859-1'?><domain/>"),
                        "ISO-8859-1");
    assert_string_equal(declared("<?xml version=\"1.0\"\n  encoding = \"utf-8\" ?><domain/>"),
                        "utf-8");
    assert_string_equal(declared("\xEF\xBB\xBF<?xml version='1.0' encoding='x-bogus'?><d/>"),
                        "x-bogus");
    assert_string_equal(
        declared("<?xml version='1.0' encoding='UTF-16' standalone='yes'?><domain/>"), "UTF-16");
}

static void test_encoding__finds_none_where_the_parser_must_judge(void **state)
{
    (void)state;
    /* No declaration, or one without an encoding. */
    assert_string_equal(declared("<domain/>"), "");
    assert_string_equal(declared("<?xml version='1.0'?><domain/>"), "");
    assert_string_equal(declared("<?xml version='1.0' standalone='yes'?><domain/>"), "");
    /* Not a declaration: a processing instruction named xml-stylesheet, or not at the start. */
    assert_string_equal(declared("<?xml-stylesheet encoding='latin1'?><domain/>"), "");
    assert_string_equal(declared(" <?xml version='1.0' encoding='latin1'?><domain/>"), "");
    /* Malformed: unquoted, unterminated, a name that is no encoding name. */
    assert_string_equal(declared("<?xml version='1.0' encoding=latin1?><domain/>"), "");
    assert_string_equal(declared("<?xml version='1.0' encoding='latin1"), "");
    assert_string_equal(declared("<?xml version='1.0' encoding='1latin'?><domain/>"), "");
    assert_string_equal(declared("<?xml version='1.0' encoding='lat in'?><domain/>"), "");
    assert_string_equal(declared("<?xml version='1.0' encoding='l\x1b[31m'?><domain/>"), "");
    /* A pseudo-attribute whose name only starts like it. */
    assert_string_equal(declared("<?xml version='1.0' encodings='latin1'?><domain/>"), "");
}

static void test_encoding__knows_the_wide_encodings(void **state)
{
    (void)state;
    assert_true(encoding_is_wide("UTF-16", 6));
    assert_true(encoding_is_wide("utf-16le", 8));
    assert_true(encoding_is_wide("UTF-32BE", 8));
    assert_true(encoding_is_wide("ISO-10646-UCS-2", 15));
    assert_false(encoding_is_wide("UTF-8", 5));
    assert_false(encoding_is_wide("UTF-7", 5));
    assert_false(encoding_is_wide("ISO-8859-1", 10));
    /* The length is what counts, not a terminator. */
    assert_false(encoding_is_wide("UTF-16", 5));
}

/* Where encoding_first_bad_character() stops in `doc` (`len` bytes), and on what. */
static void assert_bad_at(const char *doc, size_t len, size_t at, long character)
{
    long found = 0;

    assert_int_equal(encoding_first_bad_character(doc, len, &found), at);
    if (at < len)
        assert_int_equal(found, character);
}

static void test_encoding__accepts_every_xml_character_in_utf8(void **state)
{
    static const char doc[] = "<a b='\t'>\r\n"
                              "\xC2\xA0"         /* U+00A0, two bytes */
                              "\xED\x9F\xBF"     /* U+D7FF, the last before the surrogates */
                              "\xEE\x80\x80"     /* U+E000, the first after them */
                              "\xEF\xBF\xBD"     /* U+FFFD */
                              "\xF0\x90\x80\x80" /* U+10000, four bytes */
                              "\xF4\x8F\xBF\xBF" /* U+10FFFF, the last */
                              "</a>";

    (void)state;
    assert_bad_at(doc, sizeof(doc) - 1, sizeof(doc) - 1, 0);
}

static void test_encoding__stops_at_bytes_that_are_not_utf8(void **state)
{
    (void)state;
    assert_bad_at("ab\xC3(c", 5, 2, -1);           /* a lead byte without its continuation */
    assert_bad_at("ab\x80", 3, 2, -1);             /* a continuation byte alone */
    assert_bad_at("ab\xC0\xAF", 4, 2, -1);         /* an overlong '/' */
    assert_bad_at("ab\xE0\x80\xAF", 5, 2, -1);     /* an overlong '/' in three bytes */
    assert_bad_at("ab\xED\xA0\x80", 5, 2, -1);     /* the surrogate U+D800 */
    assert_bad_at("ab\xF4\x90\x80\x80", 6, 2, -1); /* beyond U+10FFFF */
    assert_bad_at("ab\xF8\x88\x80\x80\x80", 7, 2, -1);
    assert_bad_at("ab\xFF", 3, 2, -1);
    assert_bad_at("ab\xE2\x82", 4, 2, -1); /* cut short by the end of the document */
}

static void test_encoding__stops_at_characters_xml_does_not_allow(void **state)
{
    (void)state;
    assert_bad_at("ab\0c", 4, 2, 0x0);
    assert_bad_at("ab\x01", 3, 2, 0x1);
    assert_bad_at("ab\x0B", 3, 2, 0xB);
    assert_bad_at("ab\x1F", 3, 2, 0x1F);
    assert_bad_at("ab\x7F", 3, 3, 0); /* DEL is a character XML 1.0 allows */
    assert_bad_at("ab\xEF\xBF\xBE", 5, 2, 0xFFFE);
    assert_bad_at("ab\xEF\xBF\xBF", 5, 2, 0xFFFF);
    /* The first one counts. */
    assert_bad_at("\xC3\xA9\x01\x02", 4, 2, 0x1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encoding__reads_the_declared_name_as_written),
        cmocka_unit_test(test_encoding__finds_none_where_the_parser_must_judge),
        cmocka_unit_test(test_encoding__knows_the_wide_encodings),
        cmocka_unit_test(test_encoding__accepts_every_xml_character_in_utf8),
        cmocka_unit_test(test_encoding__stops_at_bytes_that_are_not_utf8),
        cmocka_unit_test(test_encoding__stops_at_characters_xml_does_not_allow),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
