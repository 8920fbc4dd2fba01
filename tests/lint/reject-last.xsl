<?xml version="1.0" encoding="UTF-8"?>
<!-- expect: a function that reads beyond the controller: last -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:template match="controller" mode="upgrade">
    <xsl:if test="last() = 1">x</xsl:if>
  </xsl:template>
</xsl:stylesheet>
