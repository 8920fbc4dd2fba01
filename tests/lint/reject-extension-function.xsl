<?xml version="1.0" encoding="UTF-8"?>
<!-- expect: an extension function: dyn:evaluate -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:template match="controller" mode="upgrade">
    <xsl:value-of select="dyn:evaluate(@model)" xmlns:dyn="http://exslt.org/dynamic"/>
  </xsl:template>
</xsl:stylesheet>
