<?xml version="1.0" encoding="UTF-8"?>
<!--
  The children of a PCI controller the grammar judges as more than any
  content (<model>, <target>...): the names the wildcard for its other
  children excepts, read from a linked grammar into C, for the skeleton's
  projection (src/lib/skeleton.c).  The wildcard is looked for in
  pci-controller and in the definitions it refers to, directly or not
  (domain.rng keeps it in pci-other-children, which each kind's children
  interleave with), but not in any-content or any-attributes.
  tools/lint-rules.c, given the grammars, checks that every wildcard so
  reached excepts the same names and every element the controller's
  patterns name is among them.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:rng="http://relaxng.org/ns/structure/1.0">
  <xsl:output method="text"/>

  <xsl:key name="define" match="/rng:grammar/rng:define" use="@name"/>

  <!-- "|a|b|": pci-controller and the definitions it reaches through references. -->
  <xsl:template name="reach">
    <xsl:param name="found"/>
    <xsl:param name="frontier"/>
    <xsl:variable name="new"
        select="$frontier[not(contains($found, concat('|', @name, '|')))
                          and @name != 'any-content' and @name != 'any-attributes']"/>
    <xsl:choose>
      <xsl:when test="not($new)">
        <xsl:value-of select="$found"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:variable name="names">
          <xsl:for-each select="$new">
            <xsl:value-of select="concat(@name, '|')"/>
          </xsl:for-each>
        </xsl:variable>
        <xsl:call-template name="reach">
          <xsl:with-param name="found" select="concat($found, $names)"/>
          <xsl:with-param name="frontier" select="key('define', $new/@name)//rng:ref"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="/">
    <xsl:variable name="reached">
      <xsl:call-template name="reach">
        <xsl:with-param name="found" select="'|pci-controller|'"/>
        <xsl:with-param name="frontier" select="key('define', 'pci-controller')//rng:ref"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:variable name="wildcard"
        select="/rng:grammar/rng:define[contains($reached, concat('|', @name, '|'))]
                //rng:element[rng:anyName/rng:except and rng:ref/@name = 'any-content']"/>
    <xsl:if test="count($wildcard) != 1">
      <xsl:message terminate="yes">pci-controller: expected one wildcard element holding any-content, in it or the definitions it refers to</xsl:message>
    </xsl:if>
    <xsl:text>/* Generated from the linked grammar by xslt/gen/pci-judged-c.xsl; do not edit. */&#10;</xsl:text>
    <xsl:text>#define SKELETON_JUDGED_CHILDREN</xsl:text>
    <xsl:for-each select="$wildcard/rng:anyName/rng:except/rng:name">
      <xsl:text> "</xsl:text>
      <xsl:value-of select="normalize-space(.)"/>
      <xsl:text>",</xsl:text>
    </xsl:for-each>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>
</xsl:stylesheet>
