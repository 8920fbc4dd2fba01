<?xml version="1.0" encoding="UTF-8"?>
<!-- expect: a function that reads beyond the controller: position -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:template match="controller" mode="upgrade">
    <dc:converted n="{position()}"/>
  </xsl:template>
</xsl:stylesheet>
