<?xml version="1.0" encoding="UTF-8"?>
<!-- expect: a function that reads beyond the controller: document -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:template match="controller" mode="upgrade">
    <xsl:copy-of select="document('/etc/passwd')"/>
  </xsl:template>
</xsl:stylesheet>
