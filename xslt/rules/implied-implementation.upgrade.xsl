<?xml version="1.0" encoding="UTF-8"?>
<!--
  Rule implied-implementation, upgrade.  A model-only controller of a kind
  that is not a root bus means the implementation the legacy form implies
  (data file's implied="yes", or the user's assume parameter), and now says
  so:
    <controller type='pci' index='1' model='dmi-to-pci-bridge'/>
    <controller type='pci' index='1' subType='dmi-to-pci-bridge' model='i82801b11-bridge'/>
  Inverse: implied-implementation.downgrade.xsl.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:template name="implied-implementation.upgrade">
    <xsl:param name="implied"/>
    <xsl:choose>
      <xsl:when test="$implied = ''">
        <xsl:call-template name="dc:refuse">
          <xsl:with-param name="rule" select="'implied-implementation'"/>
          <xsl:with-param name="kind" select="@model"/>
          <xsl:with-param name="reason"
              select="concat('the legacy form of ', @model, ' implies no particular implementation')"/>
          <xsl:with-param name="hint"
              select="concat('say which one the source host used with --assume ', @model, '=IMPLEMENTATION')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <dc:converted rule="implied-implementation">
          <xsl:copy>
            <xsl:copy-of select="@*[name() != 'model']"/>
            <xsl:attribute name="subType">
              <xsl:value-of select="@model"/>
            </xsl:attribute>
            <xsl:attribute name="model">
              <xsl:value-of select="$implied"/>
            </xsl:attribute>
          </xsl:copy>
        </dc:converted>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
