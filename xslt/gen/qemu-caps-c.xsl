<?xml version="1.0" encoding="UTF-8"?>
<!--
  data/qemu-caps.xml -> qemu-caps.c, the tables declared in src/lib/caps.h.
  Names are plain words (the Makefile checks), written into C strings as
  they are.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text" encoding="UTF-8"/>

  <xsl:template match="/qemu-caps">
    <xsl:text>/* Generated from data/qemu-caps.xml by xslt/gen/qemu-caps-c.xsl; do not edit. */&#10;</xsl:text>
    <xsl:text>#include "caps.h"&#10;&#10;</xsl:text>
    <xsl:text>const struct caps_flag caps_flags[] = {&#10;</xsl:text>
    <xsl:for-each select="flag">
      <xsl:text>    { "</xsl:text><xsl:value-of select="@name"/>
      <xsl:text>", "</xsl:text><xsl:value-of select="@implementation"/>
      <xsl:text>" },&#10;</xsl:text>
    </xsl:for-each>
    <xsl:text>};&#10;const size_t caps_flag_count = </xsl:text>
    <xsl:value-of select="count(flag)"/>
    <xsl:text>;&#10;&#10;const struct caps_arch caps_arches[] = {&#10;</xsl:text>
    <xsl:for-each select="arch">
      <xsl:text>    { "</xsl:text><xsl:value-of select="@name"/>
      <xsl:text>", " </xsl:text><xsl:value-of select="@guests"/>
      <xsl:text> ", </xsl:text>
      <xsl:choose>
        <xsl:when test="@cpu-suffix">
          <xsl:text>"</xsl:text><xsl:value-of select="@cpu-suffix"/><xsl:text>"</xsl:text>
        </xsl:when>
        <xsl:otherwise>NULL</xsl:otherwise>
      </xsl:choose>
      <xsl:text> },&#10;</xsl:text>
    </xsl:for-each>
    <xsl:text>};&#10;const size_t caps_arch_count = </xsl:text>
    <xsl:value-of select="count(arch)"/>
    <xsl:text>;&#10;</xsl:text>
  </xsl:template>
</xsl:stylesheet>
