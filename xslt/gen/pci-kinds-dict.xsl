<?xml version="1.0" encoding="UTF-8"?>
<!-- data/pci-kinds.xml -> libFuzzer dictionary entries: every kind,
     implementation, <target> attribute, child element and libvirt version
     the data names, once each. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text" encoding="UTF-8"/>

  <xsl:key name="word" match="kind/@name | implementation/@name | target/@name | child/@name
                              | @since | @may-be-implied-since" use="."/>

  <xsl:template match="/pci-kinds">
    <xsl:text># Generated from data/pci-kinds.xml; do not edit.&#10;</xsl:text>
    <xsl:for-each select="(kind/@name | kind/implementation/@name | kind/target/@name
                           | kind/child/@name | //@since | //@may-be-implied-since)
                          [generate-id() = generate-id(key('word', .)[1])]">
      <xsl:text>"</xsl:text>
      <xsl:value-of select="."/>
      <xsl:text>"&#10;</xsl:text>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
