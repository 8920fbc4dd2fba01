<?xml version="1.0" encoding="UTF-8"?>
<!--
  data/pci-kinds.xml -> pci-kinds.xsl, the lookup tables the rules use.

  Each table is one string of '|'-separated entries, so a rule looks a kind
  up with plain XPath string functions and no extension:
    contains($dc:root-kinds, concat('|', $kind, '|'))
    substring-before(substring-after($dc:implied, concat('|', $kind, '=')), '|')
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:out="urn:domcompat:alias"
    xmlns:dc="urn:domcompat:rules">
  <xsl:namespace-alias stylesheet-prefix="out" result-prefix="xsl"/>
  <xsl:output method="xml" indent="yes" encoding="UTF-8"/>

  <xsl:template match="/pci-kinds">
    <xsl:comment> Generated from data/pci-kinds.xml by xslt/gen/pci-kinds-xsl.xsl; do not edit. </xsl:comment>
    <out:stylesheet version="1.0">
      <xsl:call-template name="table">
        <xsl:with-param name="name" select="'dc:kinds'"/>
        <xsl:with-param name="entries" select="kind"/>
      </xsl:call-template>
      <xsl:call-template name="table">
        <xsl:with-param name="name" select="'dc:root-kinds'"/>
        <xsl:with-param name="entries" select="kind[@root = 'yes']"/>
      </xsl:call-template>
      <xsl:call-template name="table">
        <xsl:with-param name="name" select="'dc:implementations'"/>
        <xsl:with-param name="entries" select="kind/implementation"/>
      </xsl:call-template>
      <xsl:call-template name="table">
        <xsl:with-param name="name" select="'dc:implied'"/>
        <xsl:with-param name="entries" select="kind/implementation[@implied = 'yes']"/>
      </xsl:call-template>
      <xsl:call-template name="table">
        <xsl:with-param name="name" select="'dc:implied-pseries'"/>
        <xsl:with-param name="entries" select="kind/implementation[@implied = 'pseries']"/>
      </xsl:call-template>
    </out:stylesheet>
  </xsl:template>

  <!-- A kind is written as 'kind', an implementation as 'kind=implementation'. -->
  <xsl:template name="table">
    <xsl:param name="name"/>
    <xsl:param name="entries"/>
    <out:variable name="{$name}">
      <xsl:attribute name="select">
        <xsl:text>'|</xsl:text>
        <xsl:for-each select="$entries">
          <xsl:if test="self::implementation">
            <xsl:value-of select="../@name"/>
            <xsl:text>=</xsl:text>
          </xsl:if>
          <xsl:value-of select="@name"/>
          <xsl:text>|</xsl:text>
        </xsl:for-each>
        <xsl:text>'</xsl:text>
      </xsl:attribute>
    </out:variable>
  </xsl:template>
</xsl:stylesheet>
