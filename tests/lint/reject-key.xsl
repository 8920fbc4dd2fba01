<?xml version="1.0" encoding="UTF-8"?>
<!-- expect: a function that reads beyond the controller: key -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:key name="by-index" match="controller" use="@index"/>
  <xsl:template match="controller" mode="upgrade">
    <xsl:value-of select="count(key('by-index', '1'))"/>
  </xsl:template>
</xsl:stylesheet>
