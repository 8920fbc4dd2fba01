<?xml version="1.0" encoding="UTF-8"?>
<!--
  data/pci-kinds.xml -> pci-kinds.c, the table declared in src/lib/kinds.h.
  Names in the data file are plain ASCII words, so they are written into
  C string literals unescaped; the Makefile checks that before using this.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text" encoding="UTF-8"/>

  <xsl:template match="/pci-kinds">
    <xsl:text>/* Generated from data/pci-kinds.xml by xslt/gen/pci-kinds-c.xsl; do not edit. */&#10;</xsl:text>
    <xsl:text>#include "kinds.h"&#10;&#10;</xsl:text>
    <xsl:for-each select="kind[implementation]">
      <xsl:text>static const struct kind_implementation implementations_</xsl:text>
      <xsl:value-of select="position()"/>
      <xsl:text>[] = {&#10;</xsl:text>
      <xsl:for-each select="implementation">
        <xsl:text>    { "</xsl:text><xsl:value-of select="@name"/>
        <xsl:text>", "</xsl:text><xsl:value-of select="@since"/>
        <xsl:text>" },&#10;</xsl:text>
      </xsl:for-each>
      <xsl:text>};&#10;&#10;</xsl:text>
    </xsl:for-each>
    <xsl:for-each select="kind[target or child]">
      <xsl:text>static const struct kind_target targets_</xsl:text>
      <xsl:value-of select="count(preceding-sibling::kind[target or child]) + 1"/>
      <xsl:text>[] = {&#10;</xsl:text>
      <xsl:for-each select="target | child">
        <xsl:text>    { "</xsl:text><xsl:value-of select="@name"/>
        <xsl:text>", </xsl:text>
        <xsl:value-of select="substring('false', 1, 5 * boolean(self::target))"/>
        <xsl:value-of select="substring('true', 1, 4 * boolean(self::child))"/>
        <xsl:text>, </xsl:text>
        <xsl:choose>
          <xsl:when test="@type = 'uint8'">KIND_VALUE_UINT8</xsl:when>
          <xsl:when test="@type = 'on-off'">KIND_VALUE_ON_OFF</xsl:when>
          <xsl:when test="@type = 'unsigned-int'">KIND_VALUE_UNSIGNED_INT</xsl:when>
          <xsl:when test="@type = 'unsigned-long'">KIND_VALUE_UNSIGNED_LONG</xsl:when>
          <xsl:when test="@type = 'scaled'">KIND_VALUE_SCALED</xsl:when>
          <xsl:otherwise>
            <xsl:message terminate="yes">data/pci-kinds.xml: unknown type <xsl:value-of select="@type"/></xsl:message>
          </xsl:otherwise>
        </xsl:choose>
        <xsl:text>, "</xsl:text><xsl:value-of select="@since"/>
        <xsl:text>" },&#10;</xsl:text>
      </xsl:for-each>
      <xsl:text>};&#10;&#10;</xsl:text>
    </xsl:for-each>
    <xsl:text>const struct kind kinds_table[] = {&#10;</xsl:text>
    <xsl:for-each select="kind">
      <xsl:text>    { "</xsl:text><xsl:value-of select="@name"/>
      <xsl:text>", "</xsl:text><xsl:value-of select="@since"/>
      <xsl:text>", </xsl:text>
      <xsl:value-of select="substring('false', 1, 5 * not(@root = 'yes'))"/>
      <xsl:value-of select="substring('true', 1, 4 * (@root = 'yes'))"/>
      <xsl:text>, </xsl:text>
      <xsl:call-template name="string-or-null">
        <xsl:with-param name="value" select="implementation[@implied = 'yes']/@name"/>
      </xsl:call-template>
      <xsl:text>, </xsl:text>
      <xsl:call-template name="string-or-null">
        <xsl:with-param name="value" select="implementation[@implied = 'pseries']/@name"/>
      </xsl:call-template>
      <xsl:text>, </xsl:text>
      <xsl:choose>
        <xsl:when test="implementation">
          <xsl:text>implementations_</xsl:text>
          <xsl:value-of select="count(preceding-sibling::kind[implementation]) + 1"/>
        </xsl:when>
        <xsl:otherwise>NULL</xsl:otherwise>
      </xsl:choose>
      <xsl:text>, </xsl:text>
      <xsl:value-of select="count(implementation)"/>
      <xsl:text>, </xsl:text>
      <xsl:choose>
        <xsl:when test="target or child">
          <xsl:text>targets_</xsl:text>
          <xsl:value-of select="count(preceding-sibling::kind[target or child]) + 1"/>
        </xsl:when>
        <xsl:otherwise>NULL</xsl:otherwise>
      </xsl:choose>
      <xsl:text>, </xsl:text>
      <xsl:value-of select="count(target | child)"/>
      <xsl:text> },&#10;</xsl:text>
    </xsl:for-each>
    <xsl:text>};&#10;&#10;const size_t kinds_count = sizeof(kinds_table) / sizeof(kinds_table[0]);&#10;</xsl:text>
    <xsl:variable name="since" select="construct[@name = 'model-name']/@since"/>
    <xsl:variable name="rest" select="substring-after($since, '.')"/>
    <xsl:text>&#10;const unsigned long kinds_model_name_since = </xsl:text>
    <xsl:value-of select="substring-before($since, '.') * 1000000 + substring-before($rest, '.') * 1000 + substring-after($rest, '.')"/>
    <xsl:text>UL;&#10;</xsl:text>
  </xsl:template>

  <xsl:template name="string-or-null">
    <xsl:param name="value"/>
    <xsl:choose>
      <xsl:when test="$value">"<xsl:value-of select="$value"/>"</xsl:when>
      <xsl:otherwise>NULL</xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
