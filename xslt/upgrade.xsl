<?xml version="1.0" encoding="UTF-8"?>
<!--
  Upgrade: legacy (model-only) PCI controllers to the explicit form.

  The result is not a domain but a list with one dc:controller per PCI
  controller, in document order, holding what its rule decided:
    (empty)                         nothing to change;
    dc:converted rule=... + <controller .../>   the new start tag's attributes;
    dc:refused rule=... reason=...  why it cannot be converted.
  The engine writes the new attributes into the original bytes, so nothing
  else in the document is touched.  Each rule's inverse is the rule of the
  same name in downgrade.xsl.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:include href="pci-kinds.xsl"/>
  <xsl:include href="common.xsl"/>
  <xsl:include href="rules/root-bus.upgrade.xsl"/>
  <xsl:include href="rules/pseries-phb.upgrade.xsl"/>
  <xsl:include href="rules/implied-implementation.upgrade.xsl"/>
  <xsl:output method="xml" encoding="UTF-8"/>

  <xsl:template match="/">
    <dc:conversion direction="upgrade">
      <xsl:for-each select="/domain/devices/controller[@type = 'pci']">
        <dc:controller position="{position()}">
          <xsl:apply-templates select="." mode="upgrade"/>
        </dc:controller>
      </xsl:for-each>
    </dc:conversion>
  </xsl:template>

  <!-- Already explicit: left alone, so upgrade is idempotent. -->
  <xsl:template match="controller[@subType]" mode="upgrade"/>

  <xsl:template match="controller" mode="upgrade">
    <xsl:variable name="kind" select="string(@model)"/>
    <xsl:choose>
      <xsl:when test="contains($dc:implied-pseries, concat('|', $kind, '=')) and $dc:guest-pseries != 'no'">
        <xsl:call-template name="pseries-phb.upgrade"/>
      </xsl:when>
      <xsl:when test="contains($dc:root-kinds, concat('|', $kind, '|'))">
        <xsl:call-template name="root-bus.upgrade"/>
      </xsl:when>
      <xsl:otherwise>
        <!-- What the legacy form implies here: the user's assumption first, then the data file. -->
        <xsl:call-template name="implied-implementation.upgrade">
          <xsl:with-param name="implied"
              select="substring-before(substring-after(concat($assume, $dc:implied), concat('|', $kind, '=')), '|')"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
