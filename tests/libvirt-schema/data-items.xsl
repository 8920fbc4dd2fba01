<?xml version="1.0"?>
<!--
  What data/pci-kinds.xml says libvirt lets a PCI controller hold, one line
  each with the first libvirt version that parses it on some kind:
  "kind NAME SINCE", "implementation NAME SINCE", "target NAME SINCE",
  "child NAME SINCE", "construct NAME SINCE" (an item on several kinds is
  listed once per kind).
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text"/>

  <xsl:template match="/pci-kinds">
    <xsl:for-each select="kind | kind/implementation | kind/target | kind/child | construct">
      <xsl:variable name="since">
        <xsl:choose>
          <!-- Parsed (and refused) from rejected-since: still in the schema. -->
          <xsl:when test="@rejected-since"><xsl:value-of select="@rejected-since"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="@since"/></xsl:otherwise>
        </xsl:choose>
      </xsl:variable>
      <xsl:value-of select="concat(local-name(), ' ', @name, ' ', $since, '&#10;')"/>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
