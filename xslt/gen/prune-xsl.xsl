<?xml version="1.0" encoding="UTF-8"?>
<!--
  Drops from a linked stylesheet every global variable no expression names:
  libxslt evaluates every global variable at the start of every
  transformation (1.1.35 to 1.1.45), and the rules of one direction use
  few of the tables pci-kinds.xsl holds for both.  A variable is kept when
  "$" and its name appear in any attribute at all, so one named only in a
  longer name's reference, or only by a dropped one, is kept too: nothing
  used is ever dropped.  References must use the prefix the variable is
  declared with (the rules write dc: throughout).
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" encoding="UTF-8"/>

  <xsl:template match="@*|node()">
    <xsl:copy>
      <xsl:apply-templates select="@*|node()"/>
    </xsl:copy>
  </xsl:template>

  <xsl:template match="/xsl:stylesheet/xsl:variable">
    <xsl:variable name="reference" select="concat('$', @name)"/>
    <xsl:if test="//@*[contains(., $reference)]">
      <xsl:copy>
        <xsl:apply-templates select="@*|node()"/>
      </xsl:copy>
    </xsl:if>
  </xsl:template>
</xsl:stylesheet>
