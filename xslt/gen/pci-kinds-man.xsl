<?xml version="1.0" encoding="UTF-8"?>
<!-- data/pci-kinds.xml -> the KINDS section of the man page (roff). -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text" encoding="UTF-8"/>

  <xsl:template match="/pci-kinds">
    <xsl:for-each select="kind">
      <xsl:text>.TP&#10;.B </xsl:text>
      <xsl:value-of select="@name"/>
      <xsl:text>&#10;</xsl:text>
      <xsl:choose>
        <xsl:when test="@root = 'yes'">a root bus; </xsl:when>
        <xsl:otherwise>implemented by </xsl:otherwise>
      </xsl:choose>
      <xsl:for-each select="implementation">
        <xsl:if test="position() > 1">, </xsl:if>
        <xsl:value-of select="@name"/>
        <xsl:if test="@implied = 'pseries'"> (pSeries guests only)</xsl:if>
      </xsl:for-each>
      <xsl:if test="not(implementation)">no implementation</xsl:if>
      <xsl:text>; the legacy form implies </xsl:text>
      <xsl:choose>
        <xsl:when test="implementation[@implied = 'yes']">
          <xsl:value-of select="implementation[@implied = 'yes']/@name"/>
        </xsl:when>
        <xsl:when test="implementation[@implied = 'pseries']">
          <xsl:value-of select="implementation[@implied = 'pseries']/@name"/>
          <xsl:text> in a pSeries guest and no implementation otherwise</xsl:text>
        </xsl:when>
        <xsl:otherwise>no implementation</xsl:otherwise>
      </xsl:choose>
      <xsl:text>.&#10;</xsl:text>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
