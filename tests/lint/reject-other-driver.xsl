<?xml version="1.0" encoding="UTF-8"?>
<!-- expect: an absolute path other than /domain/os/type -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:template match="/">
    <xsl:for-each select="/domain/devices/controller"><dc:controller/></xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
