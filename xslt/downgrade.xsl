<?xml version="1.0" encoding="UTF-8"?>
<!--
  Downgrade: explicit PCI controllers to the legacy (model-only) form, for
  peers that do not know subType.  The exact inverse of upgrade.xsl under
  the same assumptions; its result has the same shape (see upgrade.xsl).
  A controller whose implementation the legacy form cannot express is
  refused, never given another implementation.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:include href="pci-kinds.xsl"/>
  <xsl:include href="common.xsl"/>
  <xsl:include href="rules/root-bus.downgrade.xsl"/>
  <xsl:include href="rules/pseries-phb.downgrade.xsl"/>
  <xsl:include href="rules/implied-implementation.downgrade.xsl"/>
  <xsl:output method="xml" encoding="UTF-8"/>

  <xsl:template match="/">
    <dc:conversion direction="downgrade">
      <xsl:for-each select="/domain/devices/controller[@type = 'pci']">
        <dc:controller position="{position()}">
          <xsl:apply-templates select="." mode="downgrade"/>
        </dc:controller>
      </xsl:for-each>
    </dc:conversion>
  </xsl:template>

  <!-- Already model-only: left alone. -->
  <xsl:template match="controller[not(@subType)]" mode="downgrade"/>

  <xsl:template match="controller" mode="downgrade">
    <xsl:variable name="kind" select="string(@subType)"/>
    <xsl:choose>
      <xsl:when test="contains($dc:implied-pseries, concat('|', $kind, '=')) and $dc:guest-pseries != 'no'">
        <xsl:call-template name="pseries-phb.downgrade"/>
      </xsl:when>
      <xsl:when test="contains($dc:root-kinds, concat('|', $kind, '|'))">
        <xsl:call-template name="root-bus.downgrade"/>
      </xsl:when>
      <xsl:otherwise>
        <!-- What the legacy form implies here: the user's assumption first, then the data file. -->
        <xsl:call-template name="implied-implementation.downgrade">
          <xsl:with-param name="implied"
              select="substring-before(substring-after(concat($assume, $dc:implied), concat('|', $kind, '=')), '|')"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
