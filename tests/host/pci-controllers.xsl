<?xml version="1.0" encoding="UTF-8"?>
<!--
  One line per PCI controller of a domain, in document order:
    index=I model=KIND name=IMPLEMENTATION
  (model: the kind, from the model attribute, or subType in the explicit
  form; name: the <model name> child, or the model attribute in the
  explicit form; "-" for what is absent).  The host tests compare libvirt's
  dumps with domcompat's outputs through it.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text"/>
  <xsl:template match="/">
    <xsl:for-each select="/domain/devices/controller[@type = 'pci']">
      <xsl:text>index=</xsl:text>
      <xsl:call-template name="value"><xsl:with-param name="of" select="@index"/></xsl:call-template>
      <xsl:choose>
        <xsl:when test="@subType">
          <xsl:text> model=</xsl:text>
          <xsl:value-of select="@subType"/>
          <xsl:text> name=</xsl:text>
          <xsl:call-template name="value"><xsl:with-param name="of" select="@model"/></xsl:call-template>
        </xsl:when>
        <xsl:otherwise>
          <xsl:text> model=</xsl:text>
          <xsl:call-template name="value"><xsl:with-param name="of" select="@model"/></xsl:call-template>
          <xsl:text> name=</xsl:text>
          <xsl:call-template name="value"><xsl:with-param name="of" select="model/@name"/></xsl:call-template>
        </xsl:otherwise>
      </xsl:choose>
      <xsl:text>&#10;</xsl:text>
    </xsl:for-each>
  </xsl:template>
  <xsl:template name="value">
    <xsl:param name="of"/>
    <xsl:choose>
      <xsl:when test="$of"><xsl:value-of select="$of"/></xsl:when>
      <xsl:otherwise>-</xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
