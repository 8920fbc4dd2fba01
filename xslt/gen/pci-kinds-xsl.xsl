<?xml version="1.0" encoding="UTF-8"?>
<!--
  data/pci-kinds.xml -> pci-kinds.xsl, the lookup tables the rules use.

  Each table is one string of '|'-separated entries, so a rule looks a kind
  up with plain XPath string functions and no extension:
    contains($dc:root-kinds, concat('|', $kind, '|'))
    substring-before(substring-after($dc:implied, concat('|', $kind, '=')), '|')
  Versioned tables end each entry with "=NUMBER=DOTTED": the version as a
  number that compares in order (1.2.19 is 1002019) and as people write it.
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
      <xsl:call-template name="versioned">
        <xsl:with-param name="name" select="'dc:kind-since'"/>
        <xsl:with-param name="entries" select="kind"/>
      </xsl:call-template>
      <xsl:call-template name="versioned">
        <xsl:with-param name="name" select="'dc:implementation-since'"/>
        <xsl:with-param name="entries" select="kind/implementation"/>
      </xsl:call-template>
      <xsl:call-template name="versioned">
        <xsl:with-param name="name" select="'dc:may-be-implied-since'"/>
        <xsl:with-param name="entries" select="kind/implementation[@may-be-implied-since]"/>
        <xsl:with-param name="attribute" select="'may-be-implied-since'"/>
      </xsl:call-template>
      <xsl:call-template name="versioned">
        <xsl:with-param name="name" select="'dc:target-since'"/>
        <xsl:with-param name="entries" select="kind/target"/>
      </xsl:call-template>
      <xsl:call-template name="versioned">
        <xsl:with-param name="name" select="'dc:child-since'"/>
        <xsl:with-param name="entries" select="kind/child"/>
      </xsl:call-template>
      <xsl:call-template name="versioned">
        <xsl:with-param name="name" select="'dc:target-rejected-since'"/>
        <xsl:with-param name="entries" select="kind/target[@rejected-since]"/>
        <xsl:with-param name="attribute" select="'rejected-since'"/>
      </xsl:call-template>
      <xsl:call-template name="valued">
        <xsl:with-param name="name" select="'dc:implementation-pci-id'"/>
        <xsl:with-param name="entries" select="kind/implementation[@pci-id]"/>
        <xsl:with-param name="attribute" select="'pci-id'"/>
      </xsl:call-template>
      <xsl:call-template name="valued">
        <xsl:with-param name="name" select="'dc:target-type'"/>
        <xsl:with-param name="entries" select="kind/target"/>
        <xsl:with-param name="attribute" select="'type'"/>
      </xsl:call-template>
      <xsl:call-template name="valued">
        <xsl:with-param name="name" select="'dc:target-default'"/>
        <xsl:with-param name="entries" select="kind/target[@default]"/>
        <xsl:with-param name="attribute" select="'default'"/>
      </xsl:call-template>
      <xsl:call-template name="valued">
        <xsl:with-param name="name" select="'dc:target-default-for-index'"/>
        <xsl:with-param name="entries" select="kind/target[@default-for-index]"/>
        <xsl:with-param name="attribute" select="'default-for-index'"/>
      </xsl:call-template>
      <xsl:call-template name="valued">
        <xsl:with-param name="name" select="'dc:target-without'"/>
        <xsl:with-param name="entries" select="kind/target | kind/child"/>
        <xsl:with-param name="attribute" select="'without'"/>
      </xsl:call-template>
      <xsl:call-template name="versioned">
        <xsl:with-param name="name" select="'dc:construct-since'"/>
        <xsl:with-param name="entries" select="construct"/>
      </xsl:call-template>
      <xsl:call-template name="versioned">
        <xsl:with-param name="name" select="'dc:rule-since'"/>
        <xsl:with-param name="entries" select="rule"/>
      </xsl:call-template>
      <xsl:call-template name="versioned">
        <xsl:with-param name="name" select="'dc:rule-before'"/>
        <xsl:with-param name="entries" select="rule"/>
        <xsl:with-param name="attribute" select="'before'"/>
      </xsl:call-template>
    </out:stylesheet>
  </xsl:template>

  <!--
    Entries "owner=name=NUMBER=DOTTED" (kinds and rules have no owner).  A
    rule without since is for every version (0); without before, for every
    version to come (999999999).
  -->
  <xsl:template name="versioned">
    <xsl:param name="name"/>
    <xsl:param name="entries"/>
    <xsl:param name="attribute" select="'since'"/>
    <out:variable name="{$name}">
      <xsl:attribute name="select">
        <xsl:text>'|</xsl:text>
        <xsl:for-each select="$entries">
          <xsl:variable name="dotted" select="string(@*[name() = $attribute])"/>
          <xsl:if test="parent::kind">
            <xsl:value-of select="../@name"/>
            <xsl:text>=</xsl:text>
          </xsl:if>
          <xsl:value-of select="@name"/>
          <xsl:text>=</xsl:text>
          <xsl:choose>
            <xsl:when test="$dotted = '' and $attribute = 'before'">999999999</xsl:when>
            <xsl:when test="$dotted = ''">0</xsl:when>
            <xsl:otherwise>
              <xsl:variable name="rest" select="substring-after($dotted, '.')"/>
              <xsl:value-of select="substring-before($dotted, '.') * 1000000
                                    + substring-before($rest, '.') * 1000
                                    + substring-after($rest, '.')"/>
            </xsl:otherwise>
          </xsl:choose>
          <xsl:text>=</xsl:text>
          <xsl:value-of select="$dotted"/>
          <xsl:text>|</xsl:text>
        </xsl:for-each>
        <xsl:text>'</xsl:text>
      </xsl:attribute>
    </out:variable>
  </xsl:template>

  <!--
    Entries "kind=name=VALUE" of a target's, child's or implementation's
    `attribute`, for the words and values the rules need.  A string in
    double quotes, so values may hold apostrophes (a variable's content
    would do too, but costs a document in every transformation); none may
    hold '|' or '"'.  Every target and child must have one: the build
    stops otherwise.
  -->
  <xsl:template name="valued">
    <xsl:param name="name"/>
    <xsl:param name="entries"/>
    <xsl:param name="attribute"/>
    <out:variable name="{$name}">
      <xsl:attribute name="select">
        <xsl:text>"|</xsl:text>
        <xsl:for-each select="$entries">
          <xsl:variable name="value" select="string(@*[name() = $attribute])"/>
          <xsl:if test="$value = '' or contains($value, '|') or contains($value, '&quot;')">
            <xsl:message terminate="yes">data/pci-kinds.xml: <xsl:value-of select="../@name"/>'s <xsl:value-of select="@name"/> needs a <xsl:value-of select="$attribute"/> without '|' or '"'</xsl:message>
          </xsl:if>
          <xsl:value-of select="concat(../@name, '=', @name, '=', $value, '|')"/>
        </xsl:for-each>
        <xsl:text>"</xsl:text>
      </xsl:attribute>
    </out:variable>
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
