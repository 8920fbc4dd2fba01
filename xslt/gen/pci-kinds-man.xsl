<?xml version="1.0" encoding="UTF-8"?>
<!-- data/pci-kinds.xml -> the KINDS section of the man page (roff). -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text" encoding="UTF-8"/>

  <xsl:template match="/pci-kinds">
    <xsl:for-each select="kind">
      <xsl:text>.TP&#10;.BR </xsl:text>
      <xsl:value-of select="@name"/>
      <xsl:text> " (libvirt </xsl:text>
      <xsl:value-of select="@since"/>
      <xsl:text>)"&#10;</xsl:text>
      <xsl:choose>
        <xsl:when test="@root = 'yes'">a root bus; </xsl:when>
        <xsl:otherwise>implemented by </xsl:otherwise>
      </xsl:choose>
      <xsl:for-each select="implementation">
        <xsl:if test="position() > 1">, </xsl:if>
        <xsl:value-of select="@name"/>
        <xsl:text> (</xsl:text>
        <xsl:if test="@implied = 'pseries'">pSeries guests only; </xsl:if>
        <xsl:text>named from </xsl:text>
        <xsl:value-of select="@since"/>
        <xsl:text>)</xsl:text>
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
      <xsl:for-each select="implementation[@may-be-implied-since]">
        <xsl:text>, or, on hosts running libvirt </xsl:text>
        <xsl:value-of select="@may-be-implied-since"/>
        <xsl:text> or later, possibly </xsl:text>
        <xsl:value-of select="@name"/>
      </xsl:for-each>
      <xsl:text>.</xsl:text>
      <xsl:choose>
        <xsl:when test="target or child">
          <xsl:text>  It may hold </xsl:text>
          <xsl:for-each select="target | child">
            <xsl:if test="position() > 1">; </xsl:if>
            <xsl:choose>
              <xsl:when test="self::target">&lt;target <xsl:value-of select="@name"/>&gt;</xsl:when>
              <xsl:when test="starts-with(@name, 'target/')">&lt;target&gt;&lt;<xsl:value-of select="substring-after(@name, 'target/')"/>&gt;</xsl:when>
              <xsl:otherwise>&lt;<xsl:value-of select="@name"/>&gt;</xsl:otherwise>
            </xsl:choose>
            <xsl:text> (libvirt </xsl:text>
            <xsl:value-of select="@since"/>
            <xsl:if test="@rejected-since">
              <xsl:text>; from </xsl:text>
              <xsl:value-of select="@rejected-since"/>
              <xsl:text> until then, libvirt rejects it</xsl:text>
            </xsl:if>
            <xsl:if test="@since != ../@since">
              <xsl:text>; without it, an older one </xsl:text>
              <xsl:value-of select="@without"/>
            </xsl:if>
            <xsl:text>)</xsl:text>
          </xsl:for-each>
          <xsl:text>, and no other &lt;target&gt; attribute or child.</xsl:text>
        </xsl:when>
        <xsl:otherwise>
          <xsl:text>  Its &lt;target&gt;, if any, is empty.</xsl:text>
        </xsl:otherwise>
      </xsl:choose>
      <xsl:text>&#10;</xsl:text>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
