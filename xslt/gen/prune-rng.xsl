<?xml version="1.0" encoding="UTF-8"?>
<!--
  Drops from a linked RelaxNG grammar every define that <start> cannot
  reach: libxml2 compiles every define it is given, used or not, and each
  form's grammar uses only its own spelling of the PCI kinds.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:rng="http://relaxng.org/ns/structure/1.0">
  <xsl:output method="xml" encoding="UTF-8"/>

  <xsl:key name="define" match="/rng:grammar/rng:define" use="@name"/>

  <xsl:variable name="reachable">
    <xsl:call-template name="reach">
      <xsl:with-param name="found" select="'|'"/>
      <xsl:with-param name="frontier" select="/rng:grammar/rng:start//rng:ref"/>
    </xsl:call-template>
  </xsl:variable>

  <!-- Adds the defines `frontier` refers to, then what they refer to, until nothing is new. -->
  <xsl:template name="reach">
    <xsl:param name="found"/>
    <xsl:param name="frontier"/>
    <xsl:variable name="new" select="$frontier[not(contains($found, concat('|', @name, '|')))]"/>
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

  <xsl:template match="@*|node()">
    <xsl:copy>
      <xsl:apply-templates select="@*|node()"/>
    </xsl:copy>
  </xsl:template>

  <xsl:template match="/rng:grammar/rng:define">
    <xsl:if test="contains($reachable, concat('|', @name, '|'))">
      <xsl:copy>
        <xsl:apply-templates select="@*|node()"/>
      </xsl:copy>
    </xsl:if>
  </xsl:template>
</xsl:stylesheet>
